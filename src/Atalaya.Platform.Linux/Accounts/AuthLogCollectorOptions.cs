namespace Atalaya.Platform.Linux.Accounts;

/// <summary>Settings of <see cref="AuthLogCollector"/>.</summary>
public sealed record AuthLogCollectorOptions
{
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The log to follow (Debian: /var/log/auth.log; Red Hat: /var/log/secure).</summary>
    public string Path { get; init; } = "/var/log/auth.log";

    /// <summary>Upper bound of bytes read per pass, so a flood cannot stall the collector; the rest is read next pass.</summary>
    public int MaxBytesPerPass { get; init; } = 4 * 1024 * 1024;

    /// <summary>Read when <see cref="Path"/> does not exist and journald runs (hosts without rsyslog).</summary>
    public string Journalctl { get; init; } = "/usr/bin/journalctl";

    /// <summary>Where /run is looked for to tell whether journald runs (tests: a tree without it).</summary>
    public string RootPrefix { get; init; } = "";
}
