namespace Atalaya.Core.Schema;

/// <summary>
/// <c>atalaya.metrics.*</c>: resource samples (<c>event.kind: metric</c>) for the fields ECS does not
/// name. Percentages are 0-100 over the sample interval; byte counters are per interval, not totals.
/// </summary>
public sealed record AtalayaMetricsFields
{
    public double? CpuUserPct { get; init; }

    public double? CpuSystemPct { get; init; }

    public double? CpuIdlePct { get; init; }

    public double? CpuIowaitPct { get; init; }

    public double? CpuStealPct { get; init; }

    public long? MemoryTotalBytes { get; init; }

    public long? MemoryAvailableBytes { get; init; }

    public long? SwapTotalBytes { get; init; }

    public long? SwapUsedBytes { get; init; }

    public double? Load1 { get; init; }

    public double? Load5 { get; init; }

    public double? Load15 { get; init; }

    public long? DiskReadBytes { get; init; }

    public long? DiskWriteBytes { get; init; }

    /// <summary>Seconds the sample covers (1 for live samples, 60 for a downsampled minute).</summary>
    public double? IntervalSeconds { get; init; }

    /// <summary>Per-process samples: the process's share of one CPU (100 = one core busy).</summary>
    public double? ProcessCpuPct { get; init; }

    public long? ProcessRssBytes { get; init; }
}
