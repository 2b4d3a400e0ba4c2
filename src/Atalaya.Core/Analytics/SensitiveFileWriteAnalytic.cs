using Atalaya.Core.Schema;

namespace Atalaya.Core.Analytics;

/// <summary>
/// Writes to the files that give persistence or access: /etc/ld.so.preload (T1574.006), SSH
/// authorized_keys (T1098.004), the account databases and sudoers (T1136.001, T1098), cron (T1053.003)
/// and systemd unit directories (T1543.002). The writer is named in the evidence and the signal is
/// keyed on the writer's process so it scores together with what that process did elsewhere.
/// </summary>
/// <remarks>
/// Scoring by writer: package managers install cron jobs, units and ld.so configuration as part of
/// every upgrade, and systemd/systemctl write enable links: their writes get confidence 0.2 (benign,
/// still recorded as evidence). The account tools (useradd, usermod, passwd, chpasswd, vipw, visudo)
/// are the normal way to change accounts but also how an intruder adds one: 0.6. An unknown writer
/// (inotify fallback) is 0.6. Anything else (a shell, an interpreter, a download tool, an editor) is
/// 0.9. /etc/ld.so.preload has almost no legitimate writer on a server and weighs the most.
/// </remarks>
public sealed class SensitiveFileWriteAnalytic : IAnalytic
{
    public const string AnalyticId = "atalaya.analytic.sensitive-file-write";

    private static readonly HashSet<string> AccountTools = new(StringComparer.Ordinal)
    {
        "useradd", "usermod", "userdel", "adduser", "deluser", "groupadd", "groupmod", "gpasswd", "passwd", "chpasswd",
        "chsh", "chfn", "vipw", "vigr", "visudo", "pwconv", "grpconv",
    };

    private static readonly HashSet<string> SystemManagers = new(StringComparer.Ordinal) { "systemd", "systemctl" };

    public string Id => AnalyticId;

    public string Name => "Write to a persistence or account file";

    public IReadOnlyCollection<string> Categories { get; } = [EventCategories.File];

    public void Observe(EcsEvent value, ISignalSink signals)
    {
        if (!FileSignals.IsLiveWrite(value) || value.File?.Path is not { Length: > 0 } path
            || Classify(path) is not { } target)
        {
            return;
        }

        var (confidence, writerKind) = WriterConfidence(value);
        signals.Emit(new Signal
        {
            SourceId = $"{Id}.{target.Aspect}",
            SourceName = Name,
            EntityKey = FileSignals.EntityKey(value, path),
            Weight = target.Weight,
            Confidence = confidence,
            Domain = target.Domain,
            Detail = $"{target.What} {path} was {Verb(value)} {FileSignals.Writer(value)}{writerKind}",
            Techniques = target.Techniques,
            Timestamp = value.Timestamp,
            Subject = value,
        });
    }

    /// <summary>Which sensitive file a path is, or null. Public for tests and the documentation table.</summary>
    public static SensitiveTarget? Classify(string path)
    {
        if (path == "/etc/ld.so.preload")
        {
            return new("ld-so-preload", "the dynamic linker preload list", 85, SignalDomain.Persistence, [Techniques.DynamicLinkerHijacking]);
        }

        var name = PathClassifier.FileName(path);
        if ((name is "authorized_keys" or "authorized_keys2") && path.Contains("/.ssh/", StringComparison.Ordinal))
        {
            return new("authorized-keys", "the SSH authorized keys file", 70, SignalDomain.Persistence, [Techniques.SshAuthorizedKeys]);
        }

        if (path is "/etc/passwd" or "/etc/shadow" or "/etc/group" or "/etc/gshadow")
        {
            return new("account-database", "the account database", 60, SignalDomain.Account, [Techniques.LocalAccount, Techniques.AccountManipulation]);
        }

        if (path == "/etc/sudoers" || path.StartsWith("/etc/sudoers.d/", StringComparison.Ordinal))
        {
            return new("sudoers", "the sudo policy", 70, SignalDomain.Account, [Techniques.AccountManipulation]);
        }

        if (path == "/etc/crontab" || StartsWithAny(path, "/etc/cron.d/", "/etc/cron.hourly/", "/etc/cron.daily/", "/etc/cron.weekly/",
                "/etc/cron.monthly/", "/var/spool/cron/"))
        {
            return new("cron", "the cron job", 60, SignalDomain.Persistence, [Techniques.Cron]);
        }

        if (StartsWithAny(path, "/etc/systemd/system/", "/usr/lib/systemd/system/", "/lib/systemd/system/", "/etc/systemd/user/",
                "/usr/lib/systemd/user/", "/run/systemd/system/"))
        {
            return new("systemd-unit", "the systemd unit", 60, SignalDomain.Persistence, [Techniques.SystemdService]);
        }

        return null;
    }

    private static (double Confidence, string Note) WriterConfidence(EcsEvent value)
    {
        if (value.Process is not { Pid: > 0 } writer || writer.Executable is null && writer.Name is null)
        {
            return (0.6, string.Empty);
        }

        if (FileSignals.IsPackageManagerWriter(value))
        {
            return (0.2, "; a package manager, expected during installs and upgrades");
        }

        if (writer.Name is { } name && (SystemManagers.Contains(name) || AccountTools.Contains(name)))
        {
            return SystemManagers.Contains(name)
                ? (0.2, "; the system manager, expected when units are enabled")
                : (0.6, "; an account tool, the usual way accounts change");
        }

        return (0.9, string.Empty);
    }

    private static string Verb(EcsEvent value) =>
        value.Event.Action switch
        {
            "file-created" => "created",
            "file-renamed" => "replaced by a rename",
            "file-attributes-changed" => "given new permissions or owner",
            _ => "modified",
        };

    private static bool StartsWithAny(string path, params string[] prefixes)
    {
        foreach (var prefix in prefixes)
        {
            if (path.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>A sensitive file kind with its weight and techniques.</summary>
public sealed record SensitiveTarget(string Aspect, string What, int Weight, SignalDomain Domain, IReadOnlyList<string> Techniques);
