namespace Atalaya.Core.Schema;

/// <summary>ECS <c>event.*</c>: what kind of thing happened and how bad it is.</summary>
public sealed record EventFields
{
    /// <summary>event|alert|state|metric.</summary>
    public required string Kind { get; init; }

    /// <summary>ECS allows several categories; ours carry one, kept as an array for ECS consumers.</summary>
    public required IReadOnlyList<string> Category { get; init; }

    public required IReadOnlyList<string> Type { get; init; }

    public string? Action { get; init; }

    /// <summary>Which Atalaya source produced it, e.g. <c>atalaya.process</c>.</summary>
    public string? Dataset { get; init; }

    public string? Module { get; init; }

    public string? Id { get; init; }

    public int? RiskScore { get; init; }

    /// <summary>The same number as <see cref="RiskScore"/> on alerts (DESIGN section 6).</summary>
    public int? Severity { get; init; }

    public string? Reason { get; init; }

    /// <summary>ECS outcome of authentication events: success, failure or unknown.</summary>
    public string? Outcome { get; init; }

    public DateTimeOffset? Start { get; init; }

    public DateTimeOffset? End { get; init; }

    public long? Duration { get; init; }
}
