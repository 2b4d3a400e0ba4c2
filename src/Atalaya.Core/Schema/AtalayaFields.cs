namespace Atalaya.Core.Schema;

/// <summary>Atalaya's own fields (<c>atalaya.*</c>): verdicts, evidence and facts ECS has no name for.</summary>
public sealed record AtalayaFields
{
    /// <summary>benign|low risk|suspicious|likely malicious|confirmed malicious.</summary>
    public string? Verdict { get; init; }

    /// <summary>low|medium|high|critical.</summary>
    public string? Severity { get; init; }

    /// <summary>One sentence a person can read: what was seen and why it matters.</summary>
    public string? Summary { get; init; }

    /// <summary>Stable id of the alert: the same entity re-scored updates one alert.</summary>
    public string? AlertId { get; init; }

    /// <summary>What the score is about (a process entity id, a file path...).</summary>
    public string? EntityKey { get; init; }

    public IReadOnlyList<EvidenceItem>? Evidence { get; init; }

    public AtalayaProcessFields? Process { get; init; }

    public AtalayaNetworkFields? Network { get; init; }

    public AtalayaPersistenceFields? Persistence { get; init; }

    public AtalayaAccountFields? Account { get; init; }

    public AtalayaMetricsFields? Metrics { get; init; }

    /// <summary>True when the collector could not read everything (the process was gone, access denied).</summary>
    public bool? Partial { get; init; }
}

/// <summary>One contribution to an alert's score, shown to the analyst as-is.</summary>
public sealed record EvidenceItem
{
    public required string Signal { get; init; }

    public required int Weight { get; init; }

    public required double Confidence { get; init; }

    public required string Detail { get; init; }

    public IReadOnlyList<string>? Techniques { get; init; }

    public string? Domain { get; init; }
}

/// <summary><c>atalaya.process.*</c>: facts about a process that ECS does not name.</summary>
public sealed record AtalayaProcessFields
{
    /// <summary>Parent chain from the direct parent up to pid 1.</summary>
    public IReadOnlyList<AncestorFields>? Ancestry { get; init; }

    /// <summary>The executable was deleted from disk while the process runs.</summary>
    public bool? ExecutableDeleted { get; init; }
}

/// <summary>One link of <c>atalaya.process.ancestry</c>.</summary>
public sealed record AncestorFields
{
    public int Pid { get; init; }

    public string? Executable { get; init; }
}

/// <summary><c>atalaya.network.*</c>: socket facts ECS does not name.</summary>
public sealed record AtalayaNetworkFields
{
    /// <summary>Kernel TCP state name (ESTABLISHED, LISTEN, ...); UDP sockets report UNCONN or ESTABLISHED.</summary>
    public string? State { get; init; }

    public long? Inode { get; init; }

    /// <summary>For listeners: loopback|all-interfaces|specific-address.</summary>
    public string? Exposure { get; init; }
}
