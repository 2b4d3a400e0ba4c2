namespace Atalaya.Core.Analytics.Network;

/// <summary>Thresholds of <see cref="BeaconingAnalytic"/>; defaults suit minutes-long observation of real implants.</summary>
public sealed record BeaconingOptions
{
    /// <summary>Connections to one destination before regularity is judged (RITA uses a similar floor).</summary>
    public int MinimumConnections { get; init; } = 20;

    /// <summary>Most recent connections kept per (process, destination).</summary>
    public int Window { get; init; } = 48;

    /// <summary>Combined score (0-1) at or above which a pair is reported.</summary>
    public double Threshold { get; init; } = 0.85;

    /// <summary>Intervals shorter than this are bursts (a client retrying), not beacons.</summary>
    public TimeSpan MinimumInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Loopback destinations are local services polling each other; off by default.</summary>
    public bool IncludeLoopback { get; init; }

    /// <summary>Pairs tracked at most (least recently seen evicted).</summary>
    public int Capacity { get; init; } = 8192;
}
