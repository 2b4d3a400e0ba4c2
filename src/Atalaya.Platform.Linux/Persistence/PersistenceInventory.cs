using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Atalaya.Core.Pipeline;
using Atalaya.Platform.Linux.Hashing;
using Atalaya.Platform.Linux.Host;

namespace Atalaya.Platform.Linux.Persistence;

/// <summary>
/// Reads every place on the host where something can be set up to run again, as
/// <see cref="PersistenceEntry"/> items. All paths are read under a root prefix so tests run against
/// a fake tree; entries report host paths. Unreadable files and malformed lines are counted, never fatal.
/// </summary>
public sealed class PersistenceInventory
{
    /// <summary>Config files larger than this are hashed by identity only, not parsed (no real crontab is 1 MiB).</summary>
    public const int MaxTextBytes = 1024 * 1024;

    private static readonly string[] PathDirectories = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

    private static readonly string[] SystemUnitDirectories =
        ["/etc/systemd/system", "/run/systemd/system", "/usr/local/lib/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system"];

    private static readonly string[] GlobalUserUnitDirectories = ["/etc/systemd/user", "/usr/lib/systemd/user", "/lib/systemd/user"];

    private static readonly string[] UdevDirectories =
        ["/etc/udev/rules.d", "/run/udev/rules.d", "/usr/local/lib/udev/rules.d", "/usr/lib/udev/rules.d", "/lib/udev/rules.d"];

    private static readonly string[] ModulesLoadDirectories = ["/etc/modules-load.d", "/run/modules-load.d", "/usr/lib/modules-load.d", "/lib/modules-load.d"];

    private static readonly string[] UserRcFiles =
        [".bashrc", ".bash_profile", ".bash_login", ".bash_logout", ".profile", ".zshrc", ".zprofile", ".zshenv", ".zlogin"];

    private static readonly string[] GlobalShellFiles =
        ["/etc/profile", "/etc/bash.bashrc", "/etc/environment", "/etc/zsh/zshenv", "/etc/zsh/zprofile", "/etc/zsh/zshrc", "/etc/zsh/zlogin"];

    private readonly string _root;
    private readonly ExecutableHashCache _hashes;
    private readonly CollectorCounters _counters;
    private readonly Func<string, string?>? _packageOwner;

    /// <param name="rootPrefix">Prepended to every path read ("" on the live host).</param>
    /// <param name="packageOwner">
    /// Host path → owning package name, null when no package owns it (the package-integrity lookup).
    /// When not given, entries say nothing about packages (TargetPackaged stays null).
    /// </param>
    public PersistenceInventory(string rootPrefix, ExecutableHashCache hashes, CollectorCounters? counters = null,
        Func<string, string?>? packageOwner = null)
    {
        _root = rootPrefix.TrimEnd('/');
        _hashes = hashes;
        _counters = counters ?? new CollectorCounters();
        _packageOwner = packageOwner;
    }

    public CollectorCounters Counters => _counters;

    public IReadOnlyList<PersistenceEntry> Read(CancellationToken cancellationToken)
    {
        var users = ReadUsers();
        var owners = users.GroupBy(u => u.Uid).ToDictionary(g => g.Key, g => g.First().Name);
        var context = new ReadContext(this, owners);
        var homes = users.Where(u => u.Home.Length > 1 && u.Home != "/nonexistent" && Directory.Exists(_root + u.Home))
                         .GroupBy(u => u.Home, StringComparer.Ordinal).Select(g => g.First()).ToList();

        ReadCron(context);
        cancellationToken.ThrowIfCancellationRequested();
        ReadSystemd(context, homes);
        cancellationToken.ThrowIfCancellationRequested();
        ReadScripts(context);
        ReadShell(context, homes);
        ReadAutostart(context, homes);
        ReadAuthorizedKeys(context, homes);
        cancellationToken.ThrowIfCancellationRequested();
        ReadLinker(context);
        ReadUdev(context);
        ReadSudoers(context);
        ReadPam(context);
        ReadModules(context);
        _counters.Increment("inventories");
        return context.Entries;
    }

    private List<PasswdEntry> ReadUsers()
    {
        var text = ReadTextOrNull(_root + "/etc/passwd");
        if (text is null)
        {
            return [];
        }

        var entries = PasswdParser.Parse(text, out var malformed);
        _counters.Increment("parse_errors", malformed);
        return entries.ToList();
    }

    private void ReadCron(ReadContext context)
    {
        context.AddCrontab("/etc/crontab", systemFormat: true, user: null);
        foreach (var path in Files("/etc/cron.d"))
        {
            context.AddCrontab(path, systemFormat: true, user: null);
        }

        foreach (var period in (ReadOnlySpan<string>)["hourly", "daily", "weekly", "monthly"])
        {
            foreach (var path in Files("/etc/cron." + period))
            {
                context.AddFile(PersistenceKinds.CronScript, path, schedule: "@" + period, selfExecutable: true);
            }
        }

        // Debian keeps user crontabs in crontabs/, Red Hat directly in /var/spool/cron.
        foreach (var directory in (ReadOnlySpan<string>)["/var/spool/cron/crontabs", "/var/spool/cron"])
        {
            foreach (var path in Files(directory))
            {
                context.AddCrontab(path, systemFormat: false, user: PathName(path));
            }
        }

        foreach (var directory in (ReadOnlySpan<string>)["/var/spool/cron/atjobs", "/var/spool/at"])
        {
            foreach (var path in Files(directory))
            {
                if (!PathName(path).StartsWith('.'))
                {
                    context.AddAtJob(path);
                }
            }
        }
    }

    private void ReadSystemd(ReadContext context, List<PasswdEntry> homes)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var directory in SystemUnitDirectories)
        {
            ReadUnitDirectory(context, directory, new PasswdEntry("root", 0, 0, "", "/root", ""), userUnits: false, seen);
        }

        foreach (var directory in GlobalUserUnitDirectories)
        {
            ReadUnitDirectory(context, directory, null, userUnits: true, seen);
        }

        foreach (var home in homes)
        {
            ReadUnitDirectory(context, home.Home.TrimEnd('/') + "/.config/systemd/user", home, userUnits: true, seen);
        }
    }

    private void ReadUnitDirectory(ReadContext context, string directory, PasswdEntry? user, bool userUnits, HashSet<string> seen)
    {
        var full = _root + directory;
        if (!Directory.Exists(full))
        {
            return;
        }

        // /lib is a symlink to /usr/lib on merged-/usr systems: read each real directory once.
        var real = RealPath(full);
        if (!seen.Add(real))
        {
            return;
        }

        foreach (var entryPath in SafeEnumerate(full, directories: false))
        {
            context.AddUnit(HostPath(entryPath), user, userUnits);
        }

        foreach (var sub in SafeEnumerate(full, directories: true))
        {
            var name = PathName(sub);
            if (name.EndsWith(".wants", StringComparison.Ordinal) || name.EndsWith(".requires", StringComparison.Ordinal)
                || name.EndsWith(".upholds", StringComparison.Ordinal))
            {
                foreach (var link in SafeEnumerate(sub, directories: false))
                {
                    context.AddEnablement(HostPath(link), name);
                }
            }
            else if (name.EndsWith(".d", StringComparison.Ordinal))
            {
                foreach (var dropIn in SafeEnumerate(sub, directories: false))
                {
                    if (dropIn.EndsWith(".conf", StringComparison.Ordinal))
                    {
                        context.AddUnit(HostPath(dropIn), user, userUnits, unitName: name[..^2]);
                    }
                }
            }
        }
    }

    private void ReadScripts(ReadContext context)
    {
        context.AddFile(PersistenceKinds.RcLocal, "/etc/rc.local", selfExecutable: true);
        foreach (var path in Files("/etc/init.d"))
        {
            context.AddFile(PersistenceKinds.InitScript, path, selfExecutable: true);
        }

        foreach (var path in Files("/etc/update-motd.d"))
        {
            context.AddFile(PersistenceKinds.MotdScript, path, selfExecutable: true);
        }
    }

    private void ReadShell(ReadContext context, List<PasswdEntry> homes)
    {
        foreach (var path in GlobalShellFiles)
        {
            context.AddFile(PersistenceKinds.ShellProfile, path);
        }

        foreach (var path in Files("/etc/profile.d"))
        {
            context.AddFile(PersistenceKinds.ShellProfile, path);
        }

        foreach (var home in homes)
        {
            foreach (var name in UserRcFiles)
            {
                context.AddFile(PersistenceKinds.ShellRc, home.Home.TrimEnd('/') + "/" + name, user: home.Name);
            }
        }
    }

    private void ReadAutostart(ReadContext context, List<PasswdEntry> homes)
    {
        foreach (var path in Files("/etc/xdg/autostart"))
        {
            context.AddDesktopFile(path, user: null);
        }

        foreach (var home in homes)
        {
            foreach (var path in Files(home.Home.TrimEnd('/') + "/.config/autostart"))
            {
                context.AddDesktopFile(path, home.Name);
            }
        }
    }

    private void ReadAuthorizedKeys(ReadContext context, List<PasswdEntry> homes)
    {
        foreach (var home in homes)
        {
            foreach (var name in (ReadOnlySpan<string>)["authorized_keys", "authorized_keys2"])
            {
                context.AddAuthorizedKeys(home.Home.TrimEnd('/') + "/.ssh/" + name, home.Name);
            }
        }
    }

    private void ReadLinker(ReadContext context)
    {
        context.AddPreload("/etc/ld.so.preload");
        context.AddLdConfig("/etc/ld.so.conf");
        foreach (var path in Files("/etc/ld.so.conf.d"))
        {
            context.AddLdConfig(path);
        }
    }

    private void ReadUdev(ReadContext context)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var directory in UdevDirectories)
        {
            if (!Directory.Exists(_root + directory) || !seen.Add(RealPath(_root + directory)))
            {
                continue;
            }

            foreach (var path in Files(directory))
            {
                if (path.EndsWith(".rules", StringComparison.Ordinal))
                {
                    context.AddUdevRules(path);
                }
            }
        }
    }

    private void ReadSudoers(ReadContext context)
    {
        context.AddSudoers("/etc/sudoers");
        foreach (var path in Files("/etc/sudoers.d"))
        {
            context.AddSudoers(path);
        }
    }

    private void ReadPam(ReadContext context)
    {
        foreach (var path in Files("/etc/pam.d"))
        {
            context.AddPam(path);
        }
    }

    private void ReadModules(ReadContext context)
    {
        context.AddLoadedModules("/proc/modules");
        context.AddConfiguredModules("/etc/modules");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var directory in ModulesLoadDirectories)
        {
            if (!Directory.Exists(_root + directory) || !seen.Add(RealPath(_root + directory)))
            {
                continue;
            }

            foreach (var path in Files(directory))
            {
                context.AddConfiguredModules(path);
            }
        }

        foreach (var path in Files("/etc/modprobe.d"))
        {
            context.AddModprobeInstall(path);
        }
    }

    /// <summary>Regular files and symlinks directly in a host directory, as host paths, sorted.</summary>
    private List<string> Files(string hostDirectory)
    {
        var full = _root + hostDirectory;
        if (!Directory.Exists(full))
        {
            return [];
        }

        return SafeEnumerate(full, directories: false).Select(HostPath).ToList();
    }

    private List<string> SafeEnumerate(string fullDirectory, bool directories)
    {
        try
        {
            var options = new EnumerationOptions { IgnoreInaccessible = true, RecurseSubdirectories = false, AttributesToSkip = 0 };
            var found = directories
                ? Directory.EnumerateDirectories(fullDirectory, "*", options)
                : Directory.EnumerateFiles(fullDirectory, "*", options);
            var list = found.ToList();
            list.Sort(StringComparer.Ordinal);
            return list;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _counters.Increment("directories_unreadable");
            return [];
        }
    }

    private string HostPath(string fullPath) => _root.Length == 0 ? fullPath : fullPath[_root.Length..];

    private static string PathName(string path) => path[(path.LastIndexOf('/') + 1)..];

    private static string RealPath(string path)
    {
        try
        {
            var info = new DirectoryInfo(path);
            return info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? info.FullName;
        }
        catch (IOException)
        {
            return path;
        }
    }

    private string? ReadTextOrNull(string fullPath)
    {
        try
        {
            return File.ReadAllText(fullPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Resolves a program word to an absolute host path: absolute as is, bare names through PATH, relative ones unknown.</summary>
    internal string? ResolveProgram(string? word, string? bareNameDirectory = null)
    {
        if (string.IsNullOrEmpty(word))
        {
            return null;
        }

        if (word[0] == '/')
        {
            return word;
        }

        if (word.Contains('/', StringComparison.Ordinal))
        {
            return null;
        }

        if (bareNameDirectory is not null)
        {
            return bareNameDirectory + "/" + word;
        }

        foreach (var directory in PathDirectories)
        {
            if (File.Exists(_root + directory + "/" + word))
            {
                return directory + "/" + word;
            }
        }

        return null;
    }

    internal string? HashOf(string? hostPath) => hostPath is null ? null : _hashes.GetSha256(_root + hostPath);

    /// <summary>One pass's state: the entries so far and how to read a file with its metadata.</summary>
    private sealed class ReadContext(PersistenceInventory inventory, Dictionary<uint, string> owners)
    {
        private readonly Dictionary<string, int> _keys = new(StringComparer.Ordinal);

        public List<PersistenceEntry> Entries { get; } = [];

        public void AddCrontab(string path, bool systemFormat, string? user)
        {
            if (!TryRead(path, out var file))
            {
                return;
            }

            var lines = CrontabParser.Parse(file.Text, systemFormat, out var malformed);
            inventory._counters.Increment("parse_errors", malformed);
            foreach (var line in lines)
            {
                if (line.IsEnvironment)
                {
                    Add(file, PersistenceKinds.Cron, $"{line.Name}={line.Command}", command: $"{line.Name}={line.Command}", user: user,
                        detail: "environment setting for the jobs below it");
                    continue;
                }

                var target = inventory.ResolveProgram(CommandTarget.Find(line.Command));
                Add(file, PersistenceKinds.Cron, $"{line.Schedule} {line.User} {line.Command}", command: line.Command, schedule: line.Schedule,
                    user: line.User ?? user, target: target);
            }
        }

        public void AddAtJob(string path)
        {
            if (!TryRead(path, out var file))
            {
                return;
            }

            if (!AtJobParser.TryParse(file.Text, out var commands, out var uid))
            {
                inventory._counters.Increment("parse_errors");
                Add(file, PersistenceKinds.AtJob, item: null, user: file.OwnerName, detail: "at job in an unknown format");
                return;
            }

            var target = inventory.ResolveProgram(CommandTarget.Find(FirstLine(commands)));
            Add(file, PersistenceKinds.AtJob, item: null, command: commands, user: uid is { } u ? owners.GetValueOrDefault(u, u.ToString(CultureInfo.InvariantCulture)) : null,
                schedule: "at", target: target);
        }

        public void AddFile(string kind, string path, string? schedule = null, string? user = null, bool selfExecutable = false)
        {
            if (!TryRead(path, out var file))
            {
                return;
            }

            Add(file, kind, item: null, schedule: schedule, user: user, target: selfExecutable ? path : null);
        }

        public void AddUnit(string path, PasswdEntry? user, bool userUnits, string? unitName = null)
        {
            var name = unitName ?? PathName(path);
            var isTimer = name.EndsWith(".timer", StringComparison.Ordinal);
            var fullPath = inventory._root + path;
            var info = new FileInfo(fullPath);
            if (info.LinkTarget is { } link)
            {
                // A symlinked unit: an alias (dbus-org.x.service → x.service) or a mask (→ /dev/null).
                if (TryRead(path, out var aliased, allowMissing: true))
                {
                    Add(aliased with { LinkTarget = link }, PersistenceKinds.SystemdEnablement, item: null,
                        detail: link == "/dev/null" ? "masked" : "alias of " + PathName(link));
                }

                return;
            }

            if (!TryRead(path, out var file))
            {
                return;
            }

            var settings = SystemdUnitParser.Parse(file.Text, out var malformed);
            inventory._counters.Increment("parse_errors", malformed);
            var unitUser = SystemdUnitParser.Value(settings, "Service", "User");
            var owner = user ?? (userUnits ? null : new PasswdEntry("root", 0, 0, "", "/root", ""));
            var specifiers = new SystemdSpecifiers
            {
                UnitName = name,
                Home = owner?.Home ?? "/root",
                UserName = owner?.Name ?? "root",
                Uid = (owner?.Uid ?? 0).ToString(CultureInfo.InvariantCulture),
                RuntimeDirectory = userUnits && owner is not null ? "/run/user/" + owner.Uid.ToString(CultureInfo.InvariantCulture) : "/run",
            };

            if (isTimer)
            {
                var calendar = SystemdUnitParser.Values(settings, "Timer", "OnCalendar");
                var schedule = calendar.Count > 0 ? string.Join("; ", calendar) : FirstTimerSetting(settings);
                var unit = SystemdUnitParser.Value(settings, "Timer", "Unit") ?? name[..^".timer".Length] + ".service";
                Add(file, PersistenceKinds.SystemdTimer, item: null, schedule: schedule, user: userUnits ? owner?.Name : null, detail: "activates " + unit);
                return;
            }

            var commands = new List<string>();
            foreach (var key in (ReadOnlySpan<string>)["ExecStartPre", "ExecStart", "ExecStartPost", "ExecReload", "ExecStop", "ExecStopPost"])
            {
                foreach (var value in SystemdUnitParser.Values(settings, "Service", key))
                {
                    commands.Add(specifiers.Expand(SystemdUnitParser.StripExecPrefixes(value)));
                }
            }

            var execStart = SystemdUnitParser.Values(settings, "Service", "ExecStart");
            var program = execStart.Count == 0 ? null : ProgramOfExec(specifiers.Expand(execStart[0]));
            var target = inventory.ResolveProgram(program);
            var wantedBy = SystemdUnitParser.Value(settings, "Install", "WantedBy");
            Add(file, PersistenceKinds.SystemdUnit, item: null, command: commands.Count == 0 ? null : string.Join(" ; ", commands),
                user: unitUser ?? (userUnits ? owner?.Name : null), target: target,
                detail: wantedBy is null ? null : "wanted by " + wantedBy);
        }

        public void AddEnablement(string path, string wantsDirectory)
        {
            var info = new FileInfo(inventory._root + path);
            var link = info.LinkTarget;
            if (!TryRead(path, out var file, allowMissing: true))
            {
                return;
            }

            Add(file with { LinkTarget = link }, PersistenceKinds.SystemdEnablement, item: null,
                detail: $"{PathName(path)} enabled in {wantsDirectory}");
        }

        public void AddDesktopFile(string path, string? user)
        {
            if (!path.EndsWith(".desktop", StringComparison.Ordinal) || !TryRead(path, out var file))
            {
                return;
            }

            var settings = SystemdUnitParser.Parse(file.Text, out var malformed);
            inventory._counters.Increment("parse_errors", malformed);
            var exec = SystemdUnitParser.Value(settings, "Desktop Entry", "Exec");
            var hidden = SystemdUnitParser.Value(settings, "Desktop Entry", "Hidden");
            var target = exec is null ? null : inventory.ResolveProgram(CommandTarget.Find(exec));
            Add(file, PersistenceKinds.XdgAutostart, item: null, command: exec, user: user, target: target,
                detail: string.Equals(hidden, "true", StringComparison.OrdinalIgnoreCase) ? "Hidden=true (disabled)" : null);
        }

        public void AddAuthorizedKeys(string path, string user)
        {
            if (!TryRead(path, out var file))
            {
                return;
            }

            var keys = AuthorizedKeysParser.Parse(file.Text, out var malformed);
            inventory._counters.Increment("parse_errors", malformed);
            foreach (var key in keys)
            {
                var detail = new StringBuilder().Append(key.KeyType);
                if (key.Fingerprint is not null)
                {
                    detail.Append(' ').Append(key.Fingerprint);
                }

                if (key.Comment is not null)
                {
                    detail.Append(" comment=").Append(key.Comment);
                }

                if (key.Options is not null)
                {
                    detail.Append(" options=").Append(key.Options);
                }

                var target = key.Command is null ? null : inventory.ResolveProgram(CommandTarget.Find(key.Command));
                Add(file, PersistenceKinds.AuthorizedKey, key.Fingerprint ?? key.KeyBlob, command: key.Command, user: user, target: target,
                    detail: detail.ToString());
            }
        }

        public void AddPreload(string path)
        {
            if (!TryRead(path, out var file))
            {
                return;
            }

            foreach (var library in SimpleListParser.ParsePreload(file.Text))
            {
                // rtld resolves bare names like a normal library search; only absolute names are hashed.
                var target = library.StartsWith('/') ? library : null;
                Add(file, PersistenceKinds.LdPreload, library, command: library, target: target, detail: "preloaded into every dynamically linked program");
            }
        }

        public void AddLdConfig(string path)
        {
            if (!TryRead(path, out var file))
            {
                return;
            }

            var directories = SimpleListParser.ParseLines(file.Text);
            Add(file, PersistenceKinds.LdConfig, item: null, command: directories.Count == 0 ? null : string.Join(':', directories));
        }

        public void AddUdevRules(string path)
        {
            if (!TryRead(path, out var file))
            {
                return;
            }

            var commands = UdevRuleParser.Parse(file.Text, out var malformed);
            inventory._counters.Increment("parse_errors", malformed);
            foreach (var command in commands)
            {
                // udev looks up a bare program name in /usr/lib/udev, not in PATH (udev(7)).
                var target = inventory.ResolveProgram(CommandTarget.Find(command.Command), "/usr/lib/udev");
                Add(file, PersistenceKinds.UdevRule, $"{command.Key} {command.Command}", command: command.Command, target: target,
                    detail: $"{command.Key} at line {command.Line.ToString(CultureInfo.InvariantCulture)}");
            }
        }

        public void AddSudoers(string path)
        {
            if (!TryRead(path, out var file))
            {
                return;
            }

            foreach (var line in SudoersParser.Parse(file.Text))
            {
                if (line.Kind == SudoersLineKind.Alias)
                {
                    continue;
                }

                var detail = line.Kind switch
                {
                    SudoersLineKind.UserSpec => (line.NoPassword, line.AllCommands) switch
                    {
                        (true, true) => "any command without a password",
                        (false, true) => "any command",
                        (true, false) => "some commands without a password",
                        _ => "some commands",
                    },
                    SudoersLineKind.Include => "includes " + line.Principal,
                    _ => "defaults",
                };
                Add(file, PersistenceKinds.Sudoers, line.Text, command: line.Text, user: line.Kind == SudoersLineKind.UserSpec ? line.Principal : null,
                    detail: detail);
            }
        }

        public void AddPam(string path)
        {
            if (!TryRead(path, out var file))
            {
                return;
            }

            // pam_exec runs a program at every login: that is the part of PAM config that executes.
            string? command = null;
            string? target = null;
            foreach (var line in SimpleListParser.ParseLines(file.Text))
            {
                var at = line.IndexOf("pam_exec.so", StringComparison.Ordinal);
                if (at < 0)
                {
                    continue;
                }

                var rest = line.AsSpan(at + "pam_exec.so".Length);
                while (ShellWords.TryRead(ref rest, out var word))
                {
                    if (word.StartsWith('/'))
                    {
                        target ??= word;
                        command ??= word + rest.ToString();
                        break;
                    }
                }
            }

            Add(file, PersistenceKinds.Pam, item: null, command: command, target: target);
        }

        public void AddLoadedModules(string path)
        {
            var text = inventory.ReadTextOrNull(inventory._root + path);
            if (text is null)
            {
                return;
            }

            var file = new FileRead(path, text, null, null, null, null, null, null, null);
            var lines = new TextLines(text);
            while (lines.TryNext(out var line))
            {
                if (line.IsWhiteSpace())
                {
                    continue;
                }

                if (!SimpleListParser.TryParseProcModule(line, out var name, out var state, out var taint))
                {
                    inventory._counters.Increment("parse_errors");
                    continue;
                }

                Add(file, PersistenceKinds.KernelModuleLoaded, name, command: name, detail: taint is null ? state : $"{state} taint={taint}");
            }
        }

        public void AddConfiguredModules(string path)
        {
            if (!TryRead(path, out var file))
            {
                return;
            }

            foreach (var name in SimpleListParser.ParseLines(file.Text, semicolonComments: true))
            {
                Add(file, PersistenceKinds.KernelModuleConfigured, name, command: name, detail: "loaded at boot");
            }
        }

        public void AddModprobeInstall(string path)
        {
            if (!TryRead(path, out var file))
            {
                return;
            }

            // "install MODULE COMMAND" makes modprobe run a shell command instead of loading the module.
            foreach (var line in SimpleListParser.ParseLines(file.Text))
            {
                if (!line.StartsWith("install ", StringComparison.Ordinal))
                {
                    continue;
                }

                var rest = line.AsSpan("install ".Length).TrimStart(" \t");
                var space = rest.IndexOfAny(' ', '\t');
                if (space < 0)
                {
                    inventory._counters.Increment("parse_errors");
                    continue;
                }

                var module = rest[..space].ToString();
                var command = rest[space..].Trim(" \t").ToString();
                var target = inventory.ResolveProgram(CommandTarget.Find(command));
                Add(file, PersistenceKinds.KernelModuleConfigured, "install " + module, command: command, target: target,
                    detail: $"modprobe {module} runs this command");
            }
        }

        /// <summary>systemd splits ExecStart= like a shell does (quotes, backslashes), so the shell reader applies; sh -c is unwrapped.</summary>
        private static string? ProgramOfExec(string execValue) => CommandTarget.Find(SystemdUnitParser.StripExecPrefixes(execValue));

        private static string? FirstTimerSetting(IReadOnlyList<IniSetting> settings)
        {
            foreach (var setting in settings)
            {
                if (setting.Section == "Timer" && setting.Key.StartsWith("On", StringComparison.Ordinal))
                {
                    return $"{setting.Key}={setting.Value}";
                }
            }

            return null;
        }

        private static string FirstLine(string text)
        {
            foreach (var line in text.AsSpan().EnumerateLines())
            {
                var trimmed = line.Trim();
                if (!trimmed.IsEmpty && trimmed[0] != '#')
                {
                    return trimmed.ToString();
                }
            }

            return string.Empty;
        }

        private void Add(FileRead file, string kind, string? item, string? command = null, string? schedule = null, string? user = null,
            string? target = null, string? detail = null)
        {
            var key = item is null ? $"{kind}:{file.Path}" : $"{kind}:{file.Path}#{item}";
            if (_keys.TryGetValue(key, out var count))
            {
                // The same line twice in one file is two entries: the second runs too.
                _keys[key] = count + 1;
                key = $"{key}#{(count + 1).ToString(CultureInfo.InvariantCulture)}";
            }
            else
            {
                _keys[key] = 1;
            }

            Entries.Add(new PersistenceEntry
            {
                Key = key,
                Kind = kind,
                Path = file.Path,
                IsItem = item is not null,
                OwnerUid = file.OwnerUid,
                OwnerName = file.OwnerName,
                Mode = file.Mode,
                FileSha256 = file.Sha256,
                FileSize = file.Size,
                FileMtime = file.Mtime,
                LinkTarget = file.LinkTarget,
                Command = command,
                Schedule = schedule,
                User = user,
                TargetExecutable = target,
                TargetSha256 = inventory.HashOf(target),
                TargetPackage = target is null ? null : inventory._packageOwner?.Invoke(target),
                PackageChecked = target is not null && inventory._packageOwner is not null,
                Detail = detail,
            });
        }

        /// <summary>Reads a host file with its owner, mode, hash; false when it does not exist or cannot be read (counted).</summary>
        private bool TryRead(string path, out FileRead file, bool allowMissing = false)
        {
            file = null!;
            var full = inventory._root + path;
            var exists = Interop.TryStatx(full, out var stat);
            if (!exists && !allowMissing)
            {
                if (Path.Exists(full))
                {
                    inventory._counters.Increment("files_unreadable");
                }

                return false;
            }

            if (!exists)
            {
                // A dangling enable link: still an entry, with nothing to read behind it.
                file = new FileRead(path, string.Empty, null, null, null, null, null, null, null);
                return true;
            }

            const int S_IFMT = 0xF000;
            const int S_IFREG = 0x8000;
            var mode = stat.stx_mode & 0xFFF;
            var mtime = DateTimeOffset.FromUnixTimeSeconds(stat.stx_mtime.tv_sec).AddTicks(stat.stx_mtime.tv_nsec / 100);
            owners.TryGetValue(stat.stx_uid, out var ownerName);
            if ((stat.stx_mode & S_IFMT) != S_IFREG)
            {
                // /dev/null masks and directories: metadata only. Never open a FIFO: it would block.
                file = new FileRead(path, string.Empty, null, stat.stx_uid, ownerName, mode, null, mtime, null);
                return true;
            }

            if ((long)stat.stx_size > MaxTextBytes)
            {
                inventory._counters.Increment("files_too_large");
                file = new FileRead(path, string.Empty, inventory._hashes.GetSha256(full), stat.stx_uid, ownerName, mode, (long)stat.stx_size, mtime, null);
                return true;
            }

            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(full);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                inventory._counters.Increment("files_unreadable");
                return false;
            }

            inventory._counters.Increment("files_read");
            file = new FileRead(path, Encoding.UTF8.GetString(bytes), Convert.ToHexStringLower(SHA256.HashData(bytes)), stat.stx_uid, ownerName, mode,
                bytes.Length, mtime, null);
            return true;
        }
    }

    private sealed record FileRead(
        string Path,
        string Text,
        string? Sha256,
        uint? OwnerUid,
        string? OwnerName,
        int? Mode,
        long? Size,
        DateTimeOffset? Mtime,
        string? LinkTarget);
}
