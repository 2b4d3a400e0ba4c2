namespace Atalaya.Platform.Linux.Resources;

/// <summary>Settings of <see cref="ResourceCollector"/>.</summary>
public sealed record ResourceCollectorOptions
{
    /// <summary>Live sample period: what the analytics see.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Period of the downsampled summary meant for history (one averaged host sample per period).</summary>
    public TimeSpan SummaryInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How many of the busiest processes get their own sample each interval.</summary>
    public int TopProcesses { get; init; } = 5;

    /// <summary>A process below this share of one core is never in the top list (idle hosts publish nothing per process).</summary>
    public double MinProcessCpuPct { get; init; } = 1.0;

    public string ProcRoot { get; init; } = "/proc";

    public string SysRoot { get; init; } = "/sys";
}
