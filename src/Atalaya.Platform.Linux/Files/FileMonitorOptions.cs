namespace Atalaya.Platform.Linux.Files;

/// <summary>Settings of the file integrity sensors (fanotify and its inotify fallback).</summary>
public sealed record FileMonitorOptions
{
    /// <summary>
    /// The places attackers change to run code or keep access. A pattern names a directory (everything
    /// below it is watched) or a file; '*' matches within one path segment (<c>/home/*/.ssh</c>, <c>/etc/cron*</c>).
    /// </summary>
    public static IReadOnlyList<string> DefaultWatchedPaths { get; } =
    [
        "/etc",
        "/usr/bin",
        "/usr/sbin",
        "/usr/local/bin",
        "/usr/local/sbin",
        "/usr/lib/systemd",
        "/etc/systemd",
        "/tmp",
        "/var/tmp",
        "/dev/shm",
        "/root/.ssh",
        "/home/*/.ssh",
        "/var/spool/cron",
        "/etc/cron*",
        "/etc/ld.so.preload",
        "/boot",
    ];

    public IReadOnlyList<string> WatchedPaths { get; init; } = DefaultWatchedPaths;

    /// <summary>
    /// Never reported, even inside a watched place. The agent's data directory belongs here: watching the
    /// store's own writes is a feedback loop (every event written causes an event).
    /// </summary>
    public IReadOnlyList<string> ExcludedPaths { get; init; } = [];

    /// <summary>Writes to one path closer together than this are one event (an editor's save, a copy in chunks).</summary>
    public TimeSpan CoalesceWindow { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>A path written continuously is still reported this often.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>fanotify read buffer: 64-256 KiB holds a few thousand events per read(2).</summary>
    public int ReadBufferSize { get; init; } = 128 * 1024;

    /// <summary>Files with no execute bit are hashed only up to this size (configs, keys, scripts); executables always are.</summary>
    public long SmallFileHashLimit { get; init; } = 1024 * 1024;

    /// <summary>Bound on pending coalesced paths and on events waiting for enrichment; past it events are counted as dropped.</summary>
    public int QueueCapacity { get; init; } = 16_384;

    /// <summary>Bound on entries a rescan (after a queue overflow) records per run.</summary>
    public int RescanMaxEntries { get; init; } = 200_000;

    public string ProcRoot { get; init; } = "/proc";

    /// <summary>
    /// Nice value of the fanotify reading thread (the writer is read from /proc when its event is read,
    /// before a short-lived writer is gone). Negative needs CAP_SYS_NICE; 0 leaves the thread as it is.
    /// </summary>
    public int ReaderNice { get; init; } = -10;

    /// <summary>
    /// Changes written by a package manager (dpkg, apt, rpm...) are one batch event, closed once no package
    /// manager has written for this long. Zero reports them one by one, like any other writer's.
    /// </summary>
    public TimeSpan PackageBatchQuiet { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>A batch still open after this long is reported anyway (a long upgrade is several batches).</summary>
    public TimeSpan PackageBatchMaxDuration { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How many paths a batch event lists.</summary>
    public int PackageBatchSamplePaths { get; init; } = 20;
}
