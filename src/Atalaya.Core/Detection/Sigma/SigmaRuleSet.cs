using Atalaya.Core.Schema;

namespace Atalaya.Core.Detection.Sigma;

/// <summary>
/// The loaded rules, indexed by the kind of event they read so an exec never evaluates file or
/// network rules, plus every load outcome for <c>atalaya rules check</c> and status.
/// </summary>
public sealed class SigmaRuleSet
{
    private static readonly SigmaRule[] None = [];
    private readonly SigmaRule[][] _byKind;
    private readonly SigmaPrefilter[] _prefilters;
    private readonly AuditdBucket[] _auditd;

    private SigmaRuleSet(IReadOnlyList<SigmaLoadResult> results, SigmaCorrelationIndex correlations)
    {
        Results = results;
        CorrelationIndex = correlations;
        Rules = [.. results.Where(r => r.Rule is not null).Select(r => r.Rule!)];
        _byKind = new SigmaRule[Enum.GetValues<SigmaEventKind>().Length][];
        foreach (var kind in Enum.GetValues<SigmaEventKind>())
        {
            _byKind[(int)kind] = [.. Rules.Where(r => r.EventKind == kind)];
        }

        _prefilters = [.. _byKind.Select(rules => new SigmaPrefilter(rules))];
        AuditdRules = _byKind[(int)SigmaEventKind.Auditd];
        _auditd = [.. AuditdView.Types.Select(type => new AuditdBucket(AuditdRules, type))];
    }

    /// <summary>The auditd rules evaluable on one record type: their indexes in <see cref="AuditdRules"/>, conditions and prefilter.</summary>
    internal sealed class AuditdBucket
    {
        public AuditdBucket(SigmaRule[] rules, AuditdRecordType type)
        {
            var indexes = new List<int>();
            var conditions = new List<SigmaCondition>();
            for (var i = 0; i < rules.Length; i++)
            {
                foreach (var (recordType, condition) in rules[i].AuditdConditions)
                {
                    if (recordType == type)
                    {
                        indexes.Add(i);
                        conditions.Add(condition);
                    }
                }
            }

            RuleIndexes = [.. indexes];
            Conditions = [.. conditions];
            Prefilter = new SigmaPrefilter(Conditions);
        }

        public int[] RuleIndexes { get; }

        public SigmaCondition[] Conditions { get; }

        public SigmaPrefilter Prefilter { get; }
    }

    public static SigmaRuleSet Empty { get; } = new([], SigmaCorrelationIndex.Empty);

    public IReadOnlyList<SigmaLoadResult> Results { get; }

    /// <summary>The rules that compiled and are evaluated.</summary>
    public IReadOnlyList<SigmaRule> Rules { get; }

    /// <summary>The correlation rules that loaded and whose references resolved.</summary>
    public IReadOnlyList<SigmaCorrelation> Correlations => CorrelationIndex.Correlations;

    internal SigmaCorrelationIndex CorrelationIndex { get; }

    public int Count(SigmaLoadStatus status) => Results.Count(r => r.Status == status);

    /// <summary>Builds the set; a second rule with an id already loaded is an error (ids name alerts).</summary>
    public static SigmaRuleSet Create(IEnumerable<SigmaLoadResult> results)
    {
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        var checkedResults = new List<SigmaLoadResult>();
        foreach (var result in results)
        {
            if (result.Rule is { } rule && !seen.TryAdd(rule.Id, result.Path))
            {
                checkedResults.Add(result with
                {
                    Status = SigmaLoadStatus.Error,
                    Rule = null,
                    Code = SigmaCodes.Structure,
                    Message = $"duplicate id {rule.Id} (already loaded from {seen[rule.Id]})",
                });
                continue;
            }

            checkedResults.Add(result);
        }

        var (resolved, correlations) = SigmaCorrelationResolver.Resolve(checkedResults);
        return new SigmaRuleSet(resolved, correlations);
    }

    public IReadOnlyList<SigmaRule> RulesFor(SigmaEventKind kind) => _byKind[(int)kind];

    /// <summary>The rules that can match this event (empty for events no rule reads).</summary>
    internal SigmaRule[] Candidates(EcsEvent value) => KindOf(value) is { } kind ? _byKind[(int)kind] : None;

    internal SigmaRule[] Candidates(SigmaEventKind kind) => _byKind[(int)kind];

    internal SigmaPrefilter Prefilter(SigmaEventKind kind) => _prefilters[(int)kind];

    /// <summary>The auditd rules, in load order; <see cref="AuditdBucket.RuleIndexes"/> point here.</summary>
    internal SigmaRule[] AuditdRules { get; }

    internal AuditdBucket Auditd(AuditdRecordType type) => _auditd[(int)type];

    /// <summary>The most rules indexed for one kind or audit record type (sizes the prefilter's scratch bitset).</summary>
    internal int MaxRulesPerKind => Math.Max(_byKind.Max(r => r.Length), _auditd.Max(b => b.Conditions.Length));

    /// <summary>
    /// Which logsource an event feeds: a process that starts or is running (the scan's snapshot
    /// and the poller's new processes), a connection with a remote end, or a file written. Ends,
    /// listeners and deletions feed no Sigma category we evaluate.
    /// </summary>
    public static SigmaEventKind? KindOf(EcsEvent value)
    {
        var categories = value.Event.Category;
        if (categories.Count == 0 || value.Event.Kind == EventKinds.Alert)
        {
            return null;
        }

        var types = value.Event.Type;
        switch (categories[0])
        {
            case EventCategories.Process:
                return Has(types, EventTypes.End) ? null : SigmaEventKind.ProcessCreation;
            case EventCategories.Network:
                return value.Destination is null || Has(types, EventTypes.End) ? null : SigmaEventKind.NetworkConnection;
            case EventCategories.File:
                return Has(types, EventTypes.Deletion) ? null : SigmaEventKind.FileEvent;
            case EventCategories.Authentication:
                return SigmaEventKind.Authentication;
            default:
                return null;
        }
    }

    private static bool Has(IReadOnlyList<string> values, string wanted)
    {
        for (var i = 0; i < values.Count; i++)
        {
            if (string.Equals(values[i], wanted, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
