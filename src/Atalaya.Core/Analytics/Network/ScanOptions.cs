namespace Atalaya.Core.Analytics.Network;

/// <summary>Thresholds of the inbound and outbound scan analytics.</summary>
public sealed record ScanOptions
{
    /// <summary>How far back distinct ports and destinations are counted.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Distinct local ports one remote address touches before it is a scan.</summary>
    public int InboundPorts { get; init; } = 20;

    /// <summary>Half-open inbound handshakes (SYN_RECV, distinct source port and local port) from one address before it is a scan or a flood.</summary>
    public int InboundHalfOpen { get; init; } = 20;

    /// <summary>Distinct (address, port) destinations one process tries before it is a scan or fan-out.</summary>
    public int OutboundDestinations { get; init; } = 50;

    /// <summary>Failed outbound attempts (refused, unreachable) that alone make a scan.</summary>
    public int OutboundFailures { get; init; } = 20;

    /// <summary>Sources or processes tracked at most.</summary>
    public int Capacity { get; init; } = 4096;
}
