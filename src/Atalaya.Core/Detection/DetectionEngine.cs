using System.Collections.Concurrent;
using System.Collections.Frozen;
using Atalaya.Core.Allowlist;
using Atalaya.Core.Analytics;
using Atalaya.Core.Schema;
using Atalaya.Core.Scoring;

namespace Atalaya.Core.Detection;

/// <summary>
/// Runs each event through the analytics that asked for its category, feeds their signals to the
/// scorer, and returns an alert whenever an entity's score reaches "low" or rises past it.
/// An analytic that throws is counted and skipped for that event; it never stops the others.
/// Single-threaded by design: the pipeline calls it from one consumer.
/// </summary>
public sealed class DetectionEngine
{
    private readonly FrozenDictionary<string, IAnalytic[]> _byCategory;
    private readonly RiskScorer _scorer;
    private readonly List<Signal> _pending = [];
    private readonly CollectingSink _sink;
    // Written by the engine's thread, read by the status snapshot on another: concurrent, and
    // written only when an analytic throws, so the hot path never touches it.
    private readonly ConcurrentDictionary<string, long> _analyticFailures = new(StringComparer.Ordinal);
    private AllowList _allowList = AllowList.Empty;

    public DetectionEngine(IEnumerable<IAnalytic> analytics, RiskScorer scorer, TimeProvider time)
    {
        var list = analytics.ToList();
        Analytics = list;
        _byCategory = list.SelectMany(a => a.Categories.Select(c => (Category: c, Analytic: a)))
                          .GroupBy(x => x.Category, StringComparer.Ordinal)
                          .ToFrozenDictionary(g => g.Key, g => g.Select(x => x.Analytic).ToArray(), StringComparer.Ordinal);
        _scorer = scorer;
        Time = time;
        _sink = new CollectingSink(_pending);
    }

    public IReadOnlyList<IAnalytic> Analytics { get; }

    public TimeProvider Time { get; }

    public long EventsSeen { get; private set; }

    public long SignalsEmitted { get; private set; }

    public long AlertsRaised { get; private set; }

    /// <summary>Signals an allowlist entry trusted: counted here, never scored, so they raise no alert.</summary>
    public long SignalsAllowed { get; private set; }

    /// <summary>The trust entries in force; swapped whole (from another thread) when the store changes.</summary>
    public AllowList AllowList
    {
        get => Volatile.Read(ref _allowList);
        set => Volatile.Write(ref _allowList, value ?? AllowList.Empty);
    }

    /// <summary>Events on which each analytic threw, by analytic id (shown in status; should stay empty).</summary>
    public IReadOnlyDictionary<string, long> AnalyticFailures => _analyticFailures;

    /// <summary>
    /// Applied to every signal before scoring (the baseline lowers the confidence of signals on known
    /// executables); null leaves signals as emitted.
    /// </summary>
    public Func<Signal, Signal>? AdjustSignal { get; init; }

    /// <summary>Evaluates one event; alerts (if any) are appended to <paramref name="alerts"/>.</summary>
    public void Process(EcsEvent value, List<EcsEvent> alerts)
    {
        EventsSeen++;
        if (value.Event.Kind == EventKinds.Alert || value.Event.Category.Count == 0
            || !_byCategory.TryGetValue(value.Event.Category[0], out var analytics))
        {
            return;
        }

        _pending.Clear();
        foreach (var analytic in analytics)
        {
            try
            {
                analytic.Observe(value, _sink);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                _analyticFailures.AddOrUpdate(analytic.Id, 1, static (_, count) => count + 1);
            }
        }

        var allowList = AllowList;
        var now = allowList.Entries.Count == 0 ? default : Time.GetUtcNow();
        foreach (var emitted in _pending)
        {
            var signal = AdjustSignal is null ? emitted : AdjustSignal(emitted);
            SignalsEmitted++;
            if (allowList.Entries.Count > 0 && allowList.TryMatch(signal, now, out _))
            {
                SignalsAllowed++;
                continue;
            }

            var score = _scorer.Add(signal);
            if (score?.Severity is not null)
            {
                AlertsRaised++;
                alerts.Add(AlertBuilder.Build(signal.EntityKey, score, Time.GetUtcNow()));
            }
        }
    }

    private sealed class CollectingSink(List<Signal> target) : ISignalSink
    {
        public void Emit(Signal signal) => target.Add(signal);
    }
}
