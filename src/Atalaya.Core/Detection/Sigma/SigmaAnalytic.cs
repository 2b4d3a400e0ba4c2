using Atalaya.Core.Analytics;
using Atalaya.Core.Schema;

namespace Atalaya.Core.Detection.Sigma;

/// <summary>
/// Runs the loaded Sigma rules as one analytic: the detection engine hands it process, network
/// and file events; it evaluates only the rules indexed for that kind of event and emits one
/// signal per matching rule. A rule that throws is counted and skipped; the others still run.
/// The literal prefilter (<see cref="SigmaPrefilter"/>) skips rules whose required literals the
/// event does not contain; <c>prefilter: false</c> evaluates every rule (differential tests, benchmarks).
/// A match of a rule that correlation rules reference feeds them (<see cref="SigmaCorrelationEngine"/>);
/// such a rule raises no signal of its own unless a correlation says <c>generate: true</c>.
/// Called from one thread (the engine's); the failure and correlation counters may be read from another (status).
/// </summary>
public sealed class SigmaAnalytic : IAnalytic
{
    public const string AnalyticId = "atalaya.sigma";

    private readonly SigmaRuleSet rules;
    private readonly bool prefilter;
    // Written on the engine's thread only when a rule throws; read by the status snapshot.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _failures = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _timeouts = new(StringComparer.Ordinal);
    private readonly ulong[] _selected;
    private readonly ulong[] _firedAuditd;
    private readonly SigmaCorrelationEngine _correlations;

    /// <param name="rules">The loaded rules and correlations.</param>
    /// <param name="prefilter">False evaluates every candidate rule (differential tests, benchmarks).</param>
    /// <param name="correlationGroups">Groups each correlation keeps before evicting the least recently touched.</param>
    public SigmaAnalytic(SigmaRuleSet rules, bool prefilter = true, int correlationGroups = SigmaCorrelationEngine.DefaultGroupsPerCorrelation)
    {
        this.rules = rules;
        this.prefilter = prefilter;
        _selected = new ulong[SigmaPrefilter.Words(rules.MaxRulesPerKind)];
        _firedAuditd = new ulong[SigmaPrefilter.Words(rules.AuditdRules.Length)];
        _correlations = new SigmaCorrelationEngine(rules.CorrelationIndex, correlationGroups, Fail);
    }

    public string Id => AnalyticId;

    public string Name => "Sigma rules";

    public IReadOnlyCollection<string> Categories { get; } = [EventCategories.Process, EventCategories.Network, EventCategories.File, EventCategories.Authentication];

    public SigmaRuleSet Rules => rules;

    public long Matches { get; private set; }

    /// <summary>Rules (and correlations) that threw while evaluating, by id (should stay empty; shown in status).</summary>
    public IReadOnlyDictionary<string, long> Failures => _failures;

    /// <summary>Rules whose <c>|re</c> matches were abandoned at the regex timeout, by id (counted as no match).</summary>
    public IReadOnlyDictionary<string, long> RegexTimeouts => _timeouts;

    /// <summary>The rules with the most failures (exceptions plus regex timeouts), worst first; safe to call from another thread.</summary>
    public IReadOnlyList<Pipeline.RuleFailure> TopFailures(int count) =>
        [.. _failures.Keys.Union(_timeouts.Keys, StringComparer.Ordinal)
            .Select(id => new Pipeline.RuleFailure { RuleId = id, Errors = _failures.GetValueOrDefault(id), RegexTimeouts = _timeouts.GetValueOrDefault(id) })
            .OrderByDescending(f => f.Total).ThenBy(f => f.RuleId, StringComparer.Ordinal)
            .Take(count)];

    /// <summary>Correlation rules that matched (whether or not they raised a signal).</summary>
    public long CorrelationMatches => _correlations.Fired;

    /// <summary>Live correlation groups (bounded per correlation).</summary>
    public long CorrelationGroups => _correlations.Groups;

    /// <summary>Correlation groups evicted because a correlation reached its cap.</summary>
    public long CorrelationEvictions => _correlations.Evictions;

    public void Observe(EcsEvent value, ISignalSink signals)
    {
        // Every event moves correlation time, whether or not a rule reads it: windows with an upper
        // bound close on the host's other events instead of waiting for one of their own.
        _correlations.Advance(value.Timestamp.UtcTicks, signals);
        if (SigmaRuleSet.KindOf(value) is { } kind)
        {
            ObserveKind(kind, value, signals);
        }

        if (rules.AuditdRules.Length > 0)
        {
            ObserveAuditd(value, signals);
        }
    }

    /// <summary>
    /// The auditd rules over the event's audit records (EXECVE from any exec, SYSCALL and PATH from
    /// the audit sensor): each record type through its own prefilter; a rule that matches several
    /// records of one event signals once.
    /// </summary>
    private void ObserveAuditd(EcsEvent value, ISignalSink signals)
    {
        var fired = _firedAuditd.AsSpan();
        var any = false;
        if (AuditdView.HasExecve(value))
        {
            any |= ObserveRecord(AuditdRecordType.Execve, value, value, fired, signals);
        }

        if (AuditdView.AuditOf(value) is { } audit)
        {
            any |= ObserveRecord(AuditdRecordType.Syscall, value, value, fired, signals);
            // A view per path is a copy of the event: made only when some rule reads PATH records.
            var paths = rules.Auditd(AuditdRecordType.Path).Conditions.Length == 0 ? 0 : audit.Paths?.Count ?? 0;
            for (var i = 0; i < paths; i++)
            {
                any |= ObserveRecord(AuditdRecordType.Path, AuditdView.PathView(value, audit, i), value, fired, signals);
            }
        }

        if (any)
        {
            fired.Clear();
        }
    }

    private bool ObserveRecord(AuditdRecordType type, EcsEvent view, EcsEvent value, Span<ulong> fired, ISignalSink signals)
    {
        var bucket = rules.Auditd(type);
        return bucket.Conditions.Length > 0
            && Run(rules.AuditdRules, bucket.Conditions, bucket.RuleIndexes, bucket.Prefilter, view, value, fired, signals);
    }

    private void ObserveKind(SigmaEventKind kind, EcsEvent value, ISignalSink signals) =>
        Run(rules.Candidates(kind), null, null, rules.Prefilter(kind), value, value, default, signals);

    /// <summary>
    /// The one evaluation loop: the conditions the prefilter selects (all of them without it), in
    /// rule order so signals come out as without the prefilter. <paramref name="conditions"/> null
    /// evaluates each candidate rule's own condition; otherwise condition i belongs to rule
    /// <c>ruleIndexes[i]</c> of <paramref name="candidates"/> (auditd record buckets). A rule whose
    /// bit is set in <paramref name="fired"/> (empty: no such bookkeeping) already matched another
    /// record of this event and is skipped.
    /// </summary>
    private bool Run(SigmaRule[] candidates, SigmaCondition[]? conditions, int[]? ruleIndexes, SigmaPrefilter filter, EcsEvent view, EcsEvent value, Span<ulong> fired, ISignalSink signals)
    {
        var count = conditions?.Length ?? candidates.Length;
        var selected = _selected.AsSpan(0, SigmaPrefilter.Words(count));
        if (prefilter)
        {
            filter.Select(view, selected);
        }
        else
        {
            selected.Fill(ulong.MaxValue);
        }

        var any = false;
        for (var word = 0; word < selected.Length; word++)
        {
            var bits = selected[word];
            while (bits != 0)
            {
                var index = (word << 6) + System.Numerics.BitOperations.TrailingZeroCount(bits);
                bits &= bits - 1;
                if (index >= count)
                {
                    break;
                }

                var ruleIndex = ruleIndexes?[index] ?? index;
                if (!fired.IsEmpty && (fired[ruleIndex >> 6] & (1UL << ruleIndex)) != 0)
                {
                    continue;
                }

                var rule = candidates[ruleIndex];
                if (!Evaluate(rule, conditions?[index] ?? rule.Condition, view))
                {
                    continue;
                }

                if (!fired.IsEmpty)
                {
                    fired[ruleIndex >> 6] |= 1UL << ruleIndex;
                }

                any = true;
                Matches++;
                if (rules.CorrelationIndex.Generates(rule))
                {
                    signals.Emit(ToSignal(rule, value));
                }

                _correlations.Observe(rule, value, signals);
            }
        }

        return any;
    }

    /// <summary>One condition on one event (or audit record view); a throw or a regex timeout is counted against the rule.</summary>
    private bool Evaluate(SigmaRule rule, SigmaCondition condition, EcsEvent view)
    {
        var timeouts = RegexMatcher.ThreadTimeouts;
        try
        {
            var matched = condition.Evaluate(view, null);
            if (RegexMatcher.ThreadTimeouts != timeouts)
            {
                _timeouts.AddOrUpdate(rule.Id, 1, static (_, count) => count + 1);
            }

            return matched;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Fail(rule.Id);
            return false;
        }
    }

    private void Fail(string id) => _failures.AddOrUpdate(id, 1, static (_, count) => count + 1);

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
            Domain = DomainOf(rule, value),
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

    private static SignalDomain DomainOf(SigmaRule rule, EcsEvent value)
    {
        if (rule.Tags.Any(t => t.Equals("attack.persistence", StringComparison.OrdinalIgnoreCase)))
        {
            return SignalDomain.Persistence;
        }

        return rule.EventKind switch
        {
            SigmaEventKind.Auditd when value.Event.Category is [EventCategories.Network, ..] => SignalDomain.Network,
            SigmaEventKind.Auditd when value.Event.Category is [EventCategories.File, ..] => SignalDomain.File,
            SigmaEventKind.NetworkConnection => SignalDomain.Network,
            SigmaEventKind.FileEvent => SignalDomain.File,
            SigmaEventKind.Authentication => SignalDomain.Account,
            _ => SignalDomain.Process,
        };
    }
}
