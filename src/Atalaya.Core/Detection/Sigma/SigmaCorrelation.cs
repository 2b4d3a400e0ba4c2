using System.Globalization;
using Atalaya.Core.Schema;

namespace Atalaya.Core.Detection.Sigma;

/// <summary>The four correlation types of Sigma specification v2.</summary>
public enum SigmaCorrelationType
{
    /// <summary>At least (or at most) N events of the referenced rules per group within the timespan.</summary>
    EventCount,

    /// <summary>N distinct values of one field among the referenced rules' events per group within the timespan.</summary>
    ValueCount,

    /// <summary>All referenced rules (or N of them) matched for one group within the timespan, in any order.</summary>
    Temporal,

    /// <summary>Like <see cref="Temporal"/>, but the rules must match in the order they are listed.</summary>
    TemporalOrdered,
}

/// <summary>
/// A correlation's <c>condition</c>: one or two bounds on a count (gt, gte, lt, lte, eq; two make a range).
/// A condition with no upper bound is "rising": it becomes true as events arrive, so it is decided
/// the moment the count is reached. One with an upper bound (lt, lte, eq, a range) can only be
/// decided when the window closes.
/// </summary>
public sealed record SigmaCorrelationCondition(long? Gt, long? Gte, long? Lt, long? Lte, long? Eq)
{
    /// <summary>No upper bound: true once the count reaches <see cref="Threshold"/>, and stays true.</summary>
    public bool IsRising => Lt is null && Lte is null && Eq is null;

    /// <summary>The least count that can satisfy the condition (at least 1: a window holds at least the event that opened it).</summary>
    public long Threshold => Math.Max(1, Math.Max(Math.Max(Gt is { } gt ? gt + 1 : 0, Gte ?? 0), Eq ?? 0));

    /// <summary>
    /// Counting past this changes nothing (the condition is false above it); state is capped here.
    /// For rising conditions it equals <see cref="Threshold"/>.
    /// </summary>
    public long Cap => IsRising ? Threshold : Math.Min(Math.Min(Lt is { } lt ? lt : long.MaxValue, Lte is { } lte ? lte + 1 : long.MaxValue), Eq is { } eq ? eq + 1 : long.MaxValue);

    public bool IsSatisfiedBy(long count) =>
        (Gt is not { } gt || count > gt) && (Gte is not { } gte || count >= gte)
        && (Lt is not { } lt || count < lt) && (Lte is not { } lte || count <= lte)
        && (Eq is not { } eq || count == eq);

    public override string ToString()
    {
        var parts = new List<string>();
        Add("> ", Gt);
        Add(">= ", Gte);
        Add("< ", Lt);
        Add("<= ", Lte);
        Add("= ", Eq);
        return string.Join(" and ", parts);

        void Add(string op, long? bound)
        {
            if (bound is { } value)
            {
                parts.Add(op + value.ToString(CultureInfo.InvariantCulture));
            }
        }
    }
}

/// <summary>
/// One loaded Sigma correlation rule: metadata like <see cref="SigmaRule"/>, the rules it correlates
/// (by id or name, resolved when the rule set is built), how events are grouped, the window and the
/// count condition. Evaluated by <see cref="SigmaCorrelationEngine"/> inside <see cref="SigmaAnalytic"/>.
/// </summary>
public sealed class SigmaCorrelation
{
    public required string Id { get; init; }

    /// <summary>The <c>name</c> other correlations may reference this one by.</summary>
    public string? Name { get; init; }

    public required string Title { get; init; }

    public string? Status { get; init; }

    public required string Level { get; init; }

    public string? Author { get; init; }

    public string? Description { get; init; }

    public IReadOnlyList<string> References { get; init; } = [];

    public IReadOnlyList<string> Tags { get; init; } = [];

    public IReadOnlyList<string> Techniques { get; init; } = [];

    public string? License { get; init; }

    public required string Path { get; init; }

    public required string Ruleset { get; init; }

    public required SigmaCorrelationType Type { get; init; }

    /// <summary>The <c>rules:</c> entries as written (ids or names), in order.</summary>
    public required IReadOnlyList<string> RuleReferences { get; init; }

    /// <summary>The <c>group-by</c> field names as written.</summary>
    public IReadOnlyList<string> GroupBy { get; init; } = [];

    internal FieldDefinition[] GroupFields { get; init; } = [];

    public required TimeSpan Timespan { get; init; }

    public required SigmaCorrelationCondition Condition { get; init; }

    /// <summary>value_count: the field whose distinct values are counted.</summary>
    public string? ValueFieldName { get; init; }

    internal FieldDefinition? ValueField { get; init; }

    /// <summary><c>generate: true</c>: the referenced rules still raise their own signals.</summary>
    public bool Generate { get; init; }

    public int Weight => SigmaScoring.Weight(Level);

    public double Confidence => SigmaScoring.Confidence(Status);

    public string Reference => References.Count > 0 ? References[0] : Path;

    /// <summary>What the referenced rules resolved to (a <see cref="SigmaRule"/> or a <see cref="SigmaCorrelation"/>), in order; set by the rule set.</summary>
    internal object[] Sources { get; set; } = [];

    /// <summary>Titles of the resolved sources, for evidence.</summary>
    public IReadOnlyList<string> SourceTitles => [.. Sources.Select(s => s switch { SigmaRule r => r.Title, SigmaCorrelation c => c.Title, _ => "?" })];

    /// <summary>Sigma type name as written in rules.</summary>
    public string TypeName => Type switch
    {
        SigmaCorrelationType.EventCount => "event_count",
        SigmaCorrelationType.ValueCount => "value_count",
        SigmaCorrelationType.Temporal => "temporal",
        _ => "temporal_ordered",
    };
}
