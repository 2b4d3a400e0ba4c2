namespace Atalaya.Core.Schema;

/// <summary>ECS <c>rule.*</c>: which rule or analytic produced an alert.</summary>
public sealed record RuleFields
{
    public string? Id { get; init; }

    public string? Name { get; init; }

    public string? Ruleset { get; init; }

    public string? Author { get; init; }

    public string? License { get; init; }

    public string? Reference { get; init; }

    public string? Description { get; init; }
}

/// <summary>ECS <c>threat.*</c>.</summary>
public sealed record ThreatFields
{
    public string? Framework { get; init; }

    public TechniqueFields? Technique { get; init; }
}

/// <summary>ECS <c>threat.technique.*</c>: ATT&amp;CK ids as an array (an alert may map to several).</summary>
public sealed record TechniqueFields
{
    public IReadOnlyList<string>? Id { get; init; }

    public IReadOnlyList<string>? Name { get; init; }
}
