namespace Atalaya.Platform.Linux.Processes;

/// <summary>Settings of <see cref="NetlinkProcessCollector"/>.</summary>
public sealed record NetlinkProcessCollectorOptions
{
    public string ProcRoot { get; init; } = "/proc";

    /// <summary>
    /// Requested socket receive buffer. A 4 MiB buffer held 2,300 execs/s without drops in the prototype;
    /// the kernel doubles the number for its bookkeeping.
    /// </summary>
    public int ReceiveBufferBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>How often the reading thread wakes up with no traffic (cancellation, deferred work).</summary>
    public TimeSpan ReceiveTimeout { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// A child that has not exec'd this long after its fork is published as a process of its own (a
    /// forking daemon's worker); most forks exec within microseconds and are published once, at exec.
    /// </summary>
    public TimeSpan ForkPublishDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// /proc/[pid]/maps of a new process is sampled this long after exec: at the exec event the loader
    /// has not yet mapped the libraries (an LD_PRELOAD object is not there yet).
    /// </summary>
    public TimeSpan MapsSampleDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Upper bound of deferred checks waiting; past it new ones are dropped and counted.</summary>
    public int MaxDeferred { get; init; } = 65_536;

    public int MaxAncestry { get; init; } = 64;

    /// <summary>Nice value of the reading thread (negative: ahead of ordinary processes; 0 leaves it alone).</summary>
    public int ReaderNice { get; init; } = -10;

    /// <summary>How often the kernel's Drops column of /proc/net/netlink is read for this socket.</summary>
    public TimeSpan DropsInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Package database naming the owner of each executable; null leaves <c>atalaya.process.package</c> absent.</summary>
    public Packages.IPackageDatabase? Packages { get; init; }

    /// <summary>
    /// Load the kernel program (fork, exec and exit from eBPF tracepoints, with the exec's image and
    /// credentials read in the kernel) when this build has it and the kernel accepts it; the connector
    /// then carries credential, session, ptrace and name changes, and execs as the reader's doorbell. Off:
    /// the connector alone.
    /// </summary>
    public bool PreferKernelProgram { get; init; }
}
