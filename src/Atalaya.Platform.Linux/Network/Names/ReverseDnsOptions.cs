namespace Atalaya.Platform.Linux.Network.Names;

/// <summary>Settings of <see cref="ReverseDnsCache"/>.</summary>
internal sealed record ReverseDnsOptions
{
    public int Capacity { get; init; } = 4096;

    /// <summary>Addresses waiting for a lookup; more are dropped (and asked again on a later event).</summary>
    public int QueueCapacity { get; init; } = 256;

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(2);

    public TimeSpan PositiveTtl { get; init; } = TimeSpan.FromHours(1);

    public TimeSpan NegativeTtl { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How long lookups stop after <see cref="MaxAbandoned"/> of them hang past the timeout.</summary>
    public TimeSpan Backoff { get; init; } = TimeSpan.FromMinutes(5);

    public int MaxAbandoned { get; init; } = 2;
}
