namespace Atalaya.Platform.Linux.Audit;

/// <summary>
/// The filter keys Atalaya's rules carry. Every key starts with <see cref="Prefix"/>: at start the
/// sensor deletes any rule with that prefix left by a run that crashed before cleaning up.
/// </summary>
public static class AuditKeys
{
    public const string Prefix = "atalaya";
    public const string Exec = "atalaya-exec";
    public const string Network = "atalaya-net";
    public const string Ptrace = "atalaya-ptrace";
    public const string Module = "atalaya-module";
    public const string Identity = "atalaya-identity";
    public const string Watch = "atalaya-watch";
    public const string DeniedRead = "atalaya-denied";

    public static bool IsOurs(string? key) => key is not null && key.StartsWith(Prefix, StringComparison.Ordinal);
}

/// <summary>Whether a path exists, and as what: watches on files and on directories are different fields.</summary>
public enum WatchTarget
{
    Missing,
    File,
    Directory,
}

/// <summary>
/// Turns <see cref="AuditRuleOptions"/> into the kernel rules to install. Pure: whether a path exists
/// is a callback and the home directories a list, so the rule set is testable without the machine.
/// </summary>
public static class AuditRuleSet
{
    private const int AfInet = 2;
    private const int AfInet6 = 10;
    private const int EAccess = 13;

    public static IReadOnlyList<AuditRule> Build(AuditRuleOptions options, IReadOnlyList<AuditSyscallTable> tables,
        Func<string, WatchTarget> probe, IEnumerable<string>? homeDirectories = null, bool filterSocketFamily = true)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(probe);
        var rules = new List<AuditRule>();
        for (var t = 0; t < tables.Count; t++)
        {
            var table = tables[t];
            if (t > 0 && !options.Compat32)
            {
                break;
            }

            if (options.Exec)
            {
                AddSyscallRule(rules, table, AuditKeys.Exec, ["execve", "execveat"]);
            }

            if (options.Network)
            {
                string[] calls = ["connect", "accept", "accept4", "bind", "socketcall"];
                if (filterSocketFamily)
                {
                    // Two rules, one per family: AF_UNIX connects (systemd, nscd, dbus) are the bulk of
                    // connect() calls on a desktop and carry nothing the network analytics use.
                    AddSyscallRule(rules, table, AuditKeys.Network, calls, AuditRuleField.Number(AuditRuleConstants.FieldSaddrFam, AfInet));
                    AddSyscallRule(rules, table, AuditKeys.Network, calls, AuditRuleField.Number(AuditRuleConstants.FieldSaddrFam, AfInet6));
                }
                else
                {
                    AddSyscallRule(rules, table, AuditKeys.Network, calls);
                }
            }

            if (options.Ptrace)
            {
                AddSyscallRule(rules, table, AuditKeys.Ptrace, ["ptrace"]);
            }

            if (options.Modules)
            {
                AddSyscallRule(rules, table, AuditKeys.Module, ["init_module", "finit_module"]);
            }

            if (options.Identity)
            {
                AddSyscallRule(rules, table, AuditKeys.Identity,
                [
                    "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setfsuid", "setfsgid",
                    "setuid32", "setgid32", "setreuid32", "setregid32", "setresuid32", "setresgid32", "setfsuid32", "setfsgid32",
                ]);
            }
        }

        if (options.Watches)
        {
            foreach (var path in WatchList(options, homeDirectories ?? []))
            {
                AddWatch(rules, path, probe(path), AuditRuleConstants.PermWrite | AuditRuleConstants.PermAttr, AuditKeys.Watch);
            }
        }

        if (options.DeniedReads)
        {
            foreach (var path in options.DeniedReadPaths.Distinct(StringComparer.Ordinal))
            {
                AddWatch(rules, path, probe(path), AuditRuleConstants.PermRead, AuditKeys.DeniedRead,
                    AuditRuleField.Number(AuditRuleConstants.FieldExit, unchecked((uint)-EAccess)));
            }
        }

        return rules;
    }

    /// <summary>A watch rule on one path: a file watch (<c>-F path=</c>) or a recursive directory watch (<c>-F dir=</c>).</summary>
    public static AuditRule Watch(string path, WatchTarget target, uint permissions, string key, params AuditRuleField[] extra) => new()
    {
        Syscalls = null,
        Fields =
        [
            AuditRuleField.String(target == WatchTarget.Directory ? AuditRuleConstants.FieldDir : AuditRuleConstants.FieldWatch, path),
            AuditRuleField.Number(AuditRuleConstants.FieldPerm, permissions),
            .. extra,
            AuditRuleField.String(AuditRuleConstants.FieldFilterKey, key),
        ],
    };

    private static IEnumerable<string> WatchList(AuditRuleOptions options, IEnumerable<string> homes)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in options.WatchPaths)
        {
            if (seen.Add(path))
            {
                yield return path;
            }
        }

        if (!options.HomeSshDirectories)
        {
            yield break;
        }

        foreach (var home in homes)
        {
            var ssh = home + "/.ssh";
            if (seen.Add(ssh))
            {
                yield return ssh;
            }
        }
    }

    private static void AddWatch(List<AuditRule> rules, string path, WatchTarget target, uint permissions, string key, params AuditRuleField[] extra)
    {
        // The kernel refuses relative and trailing-slash paths; a missing path would watch nothing useful.
        if (target == WatchTarget.Missing || path.Length < 2 || path[0] != '/' || path[^1] == '/')
        {
            return;
        }

        rules.Add(Watch(path, target, permissions, key, extra));
    }

    private static void AddSyscallRule(List<AuditRule> rules, AuditSyscallTable table, string key, string[] names, params AuditRuleField[] extra)
    {
        var numbers = names.Select(n => table[n]).OfType<int>().Distinct().Order().ToList();
        if (numbers.Count == 0)
        {
            return;
        }

        rules.Add(new AuditRule
        {
            Syscalls = numbers,
            Fields =
            [
                AuditRuleField.Number(AuditRuleConstants.FieldArch, table.Arch),
                .. extra,
                AuditRuleField.String(AuditRuleConstants.FieldFilterKey, key),
            ],
        });
    }
}
