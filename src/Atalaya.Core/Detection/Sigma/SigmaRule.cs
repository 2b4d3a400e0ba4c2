using Atalaya.Core.Schema;

namespace Atalaya.Core.Detection.Sigma;

/// <summary>Which of our event streams a rule's logsource reads.</summary>
public enum SigmaEventKind
{
    /// <summary>logsource category process_creation: process start (and snapshot) events.</summary>
    ProcessCreation,

    /// <summary>logsource category network_connection: connections with a remote end.</summary>
    NetworkConnection,

    /// <summary>logsource category file_event (and file_change): files created or written.</summary>
    FileEvent,

    /// <summary>Atalaya's logsource category authentication: login successes and failures (event.category authentication).</summary>
    Authentication,

    /// <summary>logsource service auditd: the audit records of an event (see <see cref="AuditdView"/>).</summary>
    Auditd,

    /// <summary>A logsource the agent does not collect (syslog, raw log lines...): compiled, never evaluated.</summary>
    NotCollected,
}

/// <summary>The rule's logsource as written.</summary>
public sealed record SigmaLogSource(string? Product, string? Category, string? Service)
{
    public override string ToString() =>
        string.Join(", ", new[] { ("product", Product), ("category", Category), ("service", Service) }
            .Where(p => p.Item2 is not null).Select(p => $"{p.Item1}: {p.Item2}"));
}

/// <summary>
/// One loaded Sigma rule: its metadata, the ATT&amp;CK ids from its tags, attribution for alerts,
/// and the compiled detection.
/// </summary>
public sealed class SigmaRule
{
    internal SigmaRule(SigmaCondition condition) => Condition = condition;

    public required string Id { get; init; }

    /// <summary>The optional <c>name</c> correlation rules may reference the rule by.</summary>
    public string? Name { get; init; }

    public required string Title { get; init; }

    public string? Status { get; init; }

    /// <summary>informational, low, medium, high or critical.</summary>
    public required string Level { get; init; }

    public string? Author { get; init; }

    public string? Description { get; init; }

    public IReadOnlyList<string> References { get; init; } = [];

    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>ATT&amp;CK technique ids from the tags, old ids mapped to current ones.</summary>
    public IReadOnlyList<string> Techniques { get; init; } = [];

    public required SigmaLogSource LogSource { get; init; }

    public IReadOnlyList<string> FalsePositives { get; init; } = [];

    /// <summary>SPDX id of the rule's license (the rule's own <c>license</c> key, else the rule set's).</summary>
    public string? License { get; init; }

    public required string Path { get; init; }

    /// <summary>Rule set name for alerts (<c>rule.ruleset</c>).</summary>
    public required string Ruleset { get; init; }

    public required SigmaEventKind EventKind { get; init; }

    /// <summary>Signal weight from the level (see <see cref="SigmaScoring"/>).</summary>
    public int Weight => SigmaScoring.Weight(Level);

    /// <summary>Signal confidence from the status (see <see cref="SigmaScoring"/>).</summary>
    public double Confidence => SigmaScoring.Confidence(Status);

    /// <summary><c>rule.reference</c>: the first reference, else where the rule lives.</summary>
    public string Reference => References.Count > 0 ? References[0] : Path;

    internal SigmaCondition Condition { get; }

    /// <summary>An auditd rule compiled once per audit record type it can match (empty for other rules).</summary>
    internal IReadOnlyList<(AuditdRecordType Type, SigmaCondition Condition)> AuditdConditions { get; init; } = [];

    /// <summary>
    /// True when the event satisfies the condition (an auditd rule: when one of the event's audit
    /// records does). Allocation-free, except for auditd rules over events with several PATH records.
    /// </summary>
    public bool Matches(EcsEvent value, string? rawLine = null) =>
        EventKind == SigmaEventKind.Auditd ? AuditdView.Matches(this, value) : Condition.Evaluate(value, rawLine);

    /// <summary>Which fields and values made the rule match (call only after <see cref="Matches"/> returned true).</summary>
    public string Explain(EcsEvent value, string? rawLine = null)
    {
        var reasons = new List<string>();
        if (EventKind == SigmaEventKind.Auditd)
        {
            if (AuditdView.FirstMatch(this, value) is { } match)
            {
                match.Condition.Explain(match.View, null, reasons);
                return $"auditd {AuditdView.TypeName(match.Type)} record: " + string.Join("; ", reasons.Distinct(StringComparer.Ordinal));
            }

            return "";
        }

        Condition.Explain(value, rawLine, reasons);
        return string.Join("; ", reasons.Distinct(StringComparer.Ordinal));
    }
}
