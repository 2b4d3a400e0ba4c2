namespace Atalaya.Core.Schema;

/// <summary>
/// <c>atalaya.persistence.*</c>: one place where something is set up to run again (a crontab line, a
/// unit, an authorized key, a preloaded library...), with the command it runs and what that points to.
/// </summary>
public sealed record AtalayaPersistenceFields
{
    /// <summary>cron, at-job, systemd-unit, systemd-timer, systemd-enablement, init-script, shell-rc, authorized-keys, ... (see the Linux PersistenceKinds).</summary>
    public string? Kind { get; init; }

    /// <summary>The command the entry runs, as written (a crontab command, ExecStart=, RUN+=, command=).</summary>
    public string? Command { get; init; }

    /// <summary>When it runs: a crontab schedule (<c>*/5 * * * *</c>, <c>@reboot</c>) or a timer's OnCalendar=.</summary>
    public string? Schedule { get; init; }

    /// <summary>Whose entry it is: the crontab's user, the home the key or rc file belongs to, a unit's User=.</summary>
    public string? User { get; init; }

    /// <summary>The program the command runs, resolved to an absolute path.</summary>
    public string? TargetExecutable { get; init; }

    /// <summary>SHA-256 of the target executable when it could be read.</summary>
    public string? TargetSha256 { get; init; }

    /// <summary>The package that owns the target executable; null when unknown or not from any package.</summary>
    public string? TargetPackage { get; init; }

    /// <summary>True: the target belongs to a package; false: checked and owned by none; null: not checked.</summary>
    public bool? TargetPackaged { get; init; }

    /// <summary>More facts of the entry in one line (key type and comment, sudoers flags, a module's state).</summary>
    public string? Detail { get; init; }

    /// <summary>When the agent first saw this entry.</summary>
    public DateTimeOffset? FirstSeen { get; init; }

    /// <summary>On a change: the command before it.</summary>
    public string? PreviousCommand { get; init; }
}
