using Atalaya.Core.Schema;

namespace Atalaya.Core.Analytics;

/// <summary>
/// One piece of evidence from an analytic or rule about one entity. Signals are combined into a
/// score; on their own they are not alerts.
/// </summary>
public sealed record Signal
{
    /// <summary>Id of the analytic or rule that produced it (rule.id on the alert).</summary>
    public required string SourceId { get; init; }

    /// <summary>Human name of the analytic or rule (rule.name on the alert).</summary>
    public required string SourceName { get; init; }

    /// <summary>What the signal is about: a process entity id, a file path... Signals on one key score together.</summary>
    public required string EntityKey { get; init; }

    /// <summary>0-100: how bad this would be if true.</summary>
    public required int Weight { get; init; }

    /// <summary>0-1: how sure the analytic is.</summary>
    public required double Confidence { get; init; }

    public required SignalDomain Domain { get; init; }

    /// <summary>A plain sentence with the facts (paths, ports, names) the analyst needs.</summary>
    public required string Detail { get; init; }

    public IReadOnlyList<string> Techniques { get; init; } = [];

    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>The event that triggered the signal; its entity fields are copied onto the alert.</summary>
    public required EcsEvent Subject { get; init; }

    /// <summary>True when a threat-intelligence indicator matched: the verdict becomes "confirmed malicious".</summary>
    public bool IndicatorMatch { get; init; }

    /// <summary>Attribution when the signal comes from a rule written by someone (a Sigma rule); null for Atalaya's own analytics.</summary>
    public RuleAttribution? Rule { get; init; }

    /// <summary>weight × confidence, the signal's share before combination (0-100).</summary>
    public double Contribution => Math.Clamp(Weight, 0, 100) * Math.Clamp(Confidence, 0, 1);
}

/// <summary>
/// Who wrote the rule behind a signal and under which license: a DRL 1.1 rule must name its
/// author on every alert it produces, so this travels from the rule to <c>rule.*</c> on the alert.
/// </summary>
public sealed record RuleAttribution(string? Author, string? License, string? Reference, string? Ruleset);
