namespace Atalaya.Platform.Linux.Processes;

/// <summary>Settings of <see cref="ProcfsProcessCollector"/>.</summary>
public sealed record ProcfsProcessCollectorOptions
{
    /// <summary>Time between two snapshots; a process that lives less than this may be missed entirely.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Where procfs is mounted (tests and containers with the host's /proc bind-mounted elsewhere).</summary>
    public string ProcRoot { get; init; } = "/proc";

    /// <summary>Threads used for the full reads of a pass with many new processes (the first one).</summary>
    public int MaxReadParallelism { get; init; } = Math.Clamp(Environment.ProcessorCount, 1, 4);

    /// <summary>Upper bound of <c>atalaya.process.ancestry</c> links.</summary>
    public int MaxAncestry { get; init; } = 64;

    /// <summary>Package database naming the owner of each executable; null leaves <c>atalaya.process.package</c> absent.</summary>
    public Packages.IPackageDatabase? Packages { get; init; }
}
