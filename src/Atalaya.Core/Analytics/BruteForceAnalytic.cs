using Atalaya.Core.Schema;

namespace Atalaya.Core.Analytics;

/// <summary>
/// Password guessing (T1110): at least <see cref="Threshold"/> failed logins from one source address
/// within <see cref="Window"/>; worse when a login from that address then succeeds, because the
/// guessing may have worked (T1078). Internet-facing SSH sees scanners all day, so the failures alone
/// are low; the success after them is what an analyst must look at.
/// </summary>
public sealed class BruteForceAnalytic : IAnalytic
{
    public const string AnalyticId = "atalaya.analytic.brute-force";

    private readonly BoundedEntityMap<string, SourceState> _sources;

    public BruteForceAnalytic(int threshold = 10, TimeSpan? window = null, int maxSources = 10_000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threshold, 2);
        Threshold = threshold;
        Window = window ?? TimeSpan.FromMinutes(5);
        _sources = new BoundedEntityMap<string, SourceState>(maxSources, StringComparer.Ordinal);
    }

    public int Threshold { get; }

    public TimeSpan Window { get; }

    public string Id => AnalyticId;

    public string Name => "Password guessing";

    public IReadOnlyCollection<string> Categories { get; } = [EventCategories.Authentication];

    public void Observe(EcsEvent value, ISignalSink signals)
    {
        if (value.Source?.Ip is not { Length: > 0 } address || value.Event.Outcome is not ({ } outcome))
        {
            return;
        }

        if (!_sources.TryGetValue(address, out var state))
        {
            state = new SourceState();
            _sources.Set(address, state);
        }

        // Failures older than the window no longer count; the queue is bounded by the threshold.
        while (state.Failures.Count > 0 && value.Timestamp - state.Failures.Peek() > Window)
        {
            state.Failures.Dequeue();
        }

        if (outcome == EventOutcomes.Failure)
        {
            state.Failures.Enqueue(value.Timestamp);
            if (value.User?.Name is { Length: > 0 } tried)
            {
                state.Users.Add(tried);
                if (state.Users.Count > 64)
                {
                    state.Users.Clear();
                }
            }

            if (state.Failures.Count > Threshold)
            {
                state.Failures.Dequeue();
            }

            if (state.Failures.Count >= Threshold && value.Timestamp - state.LastFailureSignal > Window)
            {
                state.LastFailureSignal = value.Timestamp;
                state.Guessing = true;
                Emit(signals, value, address, "failures", 40, 0.9, ["T1110"],
                    $"{state.Failures.Count} failed logins from {address} within {Window.TotalMinutes:0} minutes (users tried: {string.Join(", ", state.Users.Order(StringComparer.Ordinal).Take(8))})");
            }
        }
        else if (outcome == EventOutcomes.Success && (state.Guessing || state.Failures.Count >= Threshold))
        {
            var user = value.User?.Name ?? "an account";
            Emit(signals, value, address, "success-after-failures", 85, 0.9, ["T1110", "T1078"],
                $"{address} logged in as {user} after a run of failed logins: the password guessing may have worked");
            state.Guessing = false;
            state.Failures.Clear();
        }
    }

    private void Emit(ISignalSink signals, EcsEvent value, string address, string aspect, int weight, double confidence, IReadOnlyList<string> techniques,
        string detail) =>
        signals.Emit(ProcessSignals.Make(this, value, EntityKeys.ForAuthSource(address), aspect, weight, confidence, techniques, detail, SignalDomain.Account));

    private sealed class SourceState
    {
        public Queue<DateTimeOffset> Failures { get; } = new();

        public HashSet<string> Users { get; } = new(StringComparer.Ordinal);

        public DateTimeOffset LastFailureSignal { get; set; } = DateTimeOffset.MinValue;

        public bool Guessing { get; set; }
    }
}
