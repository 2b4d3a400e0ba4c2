namespace Atalaya.Platform.Linux.Persistence;

/// <summary>
/// One meaningful crontab line: a job (schedule, optional user in system crontabs, command) or an
/// environment setting (<c>PATH=...</c>, <c>MAILTO=...</c>), which changes what later jobs run.
/// </summary>
public sealed record CrontabLine
{
    public required bool IsEnvironment { get; init; }

    /// <summary>Five time fields joined by one space, or the <c>@reboot</c>-style keyword. Null for environment lines.</summary>
    public string? Schedule { get; init; }

    /// <summary>The user column of /etc/crontab and /etc/cron.d files; null in user spools.</summary>
    public string? User { get; init; }

    /// <summary>The command (jobs) or the value (environment lines).</summary>
    public required string Command { get; init; }

    /// <summary>The variable name of an environment line.</summary>
    public string? Name { get; init; }
}
