namespace Atalaya.Platform.Linux.Audit;

/// <summary>
/// Which rule groups the audit sensor installs. The defaults are the minimal set the detections use:
/// every group is a cost (each matching syscall allocates and ships records), so a group a deployment
/// does not need can be switched off, and the watch list is only the paths that exist.
/// </summary>
public sealed record AuditRuleOptions
{
    /// <summary>execve/execveat: exact argv (EXECVE records) even for a process that lives 1 ms.</summary>
    public bool Exec { get; init; } = true;

    /// <summary>connect/accept/accept4/bind on IPv4/IPv6 sockets, with the SOCKADDR record and result.</summary>
    public bool Network { get; init; } = true;

    public bool Ptrace { get; init; } = true;

    /// <summary>init_module/finit_module: kernel module loads.</summary>
    public bool Modules { get; init; } = true;

    /// <summary>The setuid/setgid family: identity changes without exec.</summary>
    public bool Identity { get; init; } = true;

    /// <summary>Write and attribute watches (<c>-p wa</c>) on <see cref="WatchPaths"/>.</summary>
    public bool Watches { get; init; } = true;

    /// <summary>Denied reads (<c>-p r -F exit=-EACCES</c>) of <see cref="DeniedReadPaths"/>: credential snooping.</summary>
    public bool DeniedReads { get; init; } = true;

    /// <summary>Rules for the 32-bit compat syscall table too (x86_64): otherwise an i386 binary is invisible.</summary>
    public bool Compat32 { get; init; } = true;

    /// <summary>Sensitive files and directories whose writes, renames, unlinks and attribute changes are recorded.</summary>
    public IReadOnlyList<string> WatchPaths { get; init; } =
    [
        "/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow", "/etc/sudoers", "/etc/sudoers.d", "/etc/ld.so.preload",
        "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/cron.d", "/etc/crontab", "/etc/cron.hourly", "/etc/cron.daily",
        "/var/spool/cron", "/etc/systemd/system", "/usr/lib/systemd/system", "/etc/ssh/sshd_config", "/root/.ssh",
        "/etc/profile.d", "/etc/rc.local", "/var/log",
    ];

    /// <summary>Files whose denied reads are worth an event (a non-root process probing credentials).</summary>
    public IReadOnlyList<string> DeniedReadPaths { get; init; } = ["/etc/shadow", "/etc/gshadow", "/etc/sudoers", "/root/.ssh"];

    /// <summary>Also watch <c>/home/*/.ssh</c> (authorized_keys) for the home directories that exist at start.</summary>
    public bool HomeSshDirectories { get; init; } = true;
}
