namespace Atalaya.Platform.Linux.Audit;

/// <summary>Settings of the kernel-audit sensor.</summary>
public sealed record AuditCollectorOptions
{
    public AuditRuleOptions Rules { get; init; } = new();

    /// <summary>Explicit rules instead of <see cref="Rules"/> (tests install only what they exercise).</summary>
    public IReadOnlyList<AuditRule>? ExplicitRules { get; init; }

    public uint BacklogLimit { get; init; } = 32_768;

    public uint RateLimit { get; init; }

    /// <summary>How long an event without its EOE record waits before it is flushed as it is.</summary>
    public TimeSpan AssemblyTimeout { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How often the kernel's lost/backlog counters are read (AUDIT_GET).</summary>
    public TimeSpan StatusInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>When the subsystem is owned or refused, how often to look again.</summary>
    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromSeconds(60);

    public string ProcRoot { get; init; } = "/proc";
}
