namespace Atalaya.Platform.Linux.Audit;

/// <summary>How the sensor configures the kernel while it is the audit daemon (restored on exit).</summary>
public sealed record AuditSessionOptions
{
    public required IReadOnlyList<AuditRule> Rules { get; init; }

    /// <summary>Records per second before the kernel drops (0 = no limit). Exec completeness wants none.</summary>
    public uint RateLimit { get; init; }

    /// <summary>Records the kernel queues for the reader before it drops (or makes tasks wait).</summary>
    public uint BacklogLimit { get; init; } = 32_768;

    /// <summary>
    /// How long (jiffies) a task waits for room when the backlog is full. 0: the record is dropped and
    /// counted in <c>lost</c> instead. An EDR must not stall the host it watches, so 0 is the default.
    /// </summary>
    public uint BacklogWaitTime { get; init; }

    /// <summary>Receive buffer of the record socket: absorbs bursts while the reader thread is off-CPU.</summary>
    public int ReceiveBufferBytes { get; init; } = 16 * 1024 * 1024;
}
