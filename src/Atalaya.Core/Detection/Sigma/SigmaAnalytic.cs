using Atalaya.Core.Analytics;
using Atalaya.Core.Schema;

namespace Atalaya.Core.Detection.Sigma;

/// <summary>
/// Runs the loaded Sigma rules as one analytic: the detection engine hands it process, network
/// and file events; it evaluates only the rules indexed for that kind of event and emits one
/// signal per matching rule. A rule that throws is counted and skipped; the others still run.
/// </summary>
public sealed class SigmaAnalytic(SigmaRuleSet rules) : IAnalytic
{
    public const string AnalyticId = "atalaya.sigma";

    private readonly Dictionary<string, long> _failures = new(StringComparer.Ordinal);

    public string Id => AnalyticId;

    public string Name => "Sigma rules";

    public IReadOnlyCollection<string> Categories { get; } = [EventCategories.Process, EventCategories.Network, EventCategories.File];

    public SigmaRuleSet Rules => rules;

    public long Matches { get; private set; }

    /// <summary>Rules that threw while evaluating, by id (should stay empty; shown in status).</summary>
    public IReadOnlyDictionary<string, long> Failures => _failures;

    public void Observe(EcsEvent value, ISignalSink signals)
    {
        foreach (var rule in rules.Candidates(value))
        {
            bool matched;
            try
            {
                matched = rule.Matches(value);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                _failures[rule.Id] = _failures.GetValueOrDefault(rule.Id) + 1;
                continue;
            }

            if (matched)
            {
                Matches++;
                signals.Emit(ToSignal(rule, value));
            }
        }
    }

    /// <summary>The signal a matching rule contributes: weight from level, confidence from status, attribution from the rule.</summary>
    public static Signal ToSignal(SigmaRule rule, EcsEvent value)
    {
        var author = rule.Author ?? "unknown author";
        return new Signal
        {
            SourceId = rule.Id,
            SourceName = rule.Title,
            EntityKey = EntityKey(value),
            Weight = rule.Weight,
            Confidence = rule.Confidence,
            Domain = DomainOf(rule),
            // The author and license stay in the evidence text too: DRL 1.1 wants the author on
            // every alert, including alerts whose headline rule is another signal.
            Detail = $"Sigma rule \"{rule.Title}\" ({rule.Level}; by {author}, {rule.License}): {rule.Explain(value)}",
            Techniques = rule.Techniques,
            Timestamp = value.Timestamp,
            Subject = value,
            Rule = new RuleAttribution(rule.Author, rule.License, rule.Reference, rule.Ruleset),
        };
    }

    private static string EntityKey(EcsEvent value) => value switch
    {
        { Process: { } process } => EntityKeys.ForProcess(process),
        { File.Path: { } path } => "file:" + path,
        { Destination: { } destination } => $"destination:{destination.Ip}:{destination.Port}",
        _ => "event:" + value.Event.Id,
    };

    private static SignalDomain DomainOf(SigmaRule rule)
    {
        if (rule.Tags.Any(t => t.Equals("attack.persistence", StringComparison.OrdinalIgnoreCase)))
        {
            return SignalDomain.Persistence;
        }

        return rule.EventKind switch
        {
            SigmaEventKind.NetworkConnection => SignalDomain.Network,
            SigmaEventKind.FileEvent => SignalDomain.File,
            _ => SignalDomain.Process,
        };
    }
}
