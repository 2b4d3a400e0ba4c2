using Atalaya.Core.Analytics;
using Atalaya.Core.Schema;

namespace Atalaya.Core.Baseline;

/// <summary>
/// Learning inside <c>run</c>: for the first <c>learnFor</c> after the first run on a data directory,
/// every event's facts are counted as candidate sightings (the same <see cref="BaselineLearner"/> as
/// <c>baseline learn</c>: a fact needs sightings in several distinct hours to be promoted, so a
/// one-off stays out). <see cref="Checkpoint"/> saves the candidates (periodically and at stop, so a
/// restart resumes them) and, once the period is over, commits the promoted facts as a new baseline
/// version and raises <see cref="BaselineChanged"/>: from then on <see cref="FirstSeenAnalytic"/>
/// signals facts outside it. Observes as an analytic on the engine thread and never emits;
/// <see cref="Checkpoint"/> runs on another thread, hence the lock.
/// </summary>
public sealed class BaselineRunLearning : IAnalytic
{
    public const string AnalyticId = "atalaya.analytic.baseline-learning";

    private readonly Lock _gate = new();
    private readonly IBaselineStore _store;
    private readonly IBaselineLearningWindowStore _windows;
    private readonly TimeSpan _learnFor;
    private readonly TimeProvider _time;
    private BaselineLearner? _learner;

    public BaselineRunLearning(IBaselineStore store, IBaselineLearningWindowStore windows, BaselineOptions options, TimeSpan learnFor, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(windows);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        _store = store;
        _windows = windows;
        _learnFor = learnFor;
        _time = time;
        var now = time.GetUtcNow();
        Window = windows.LoadLearningWindow() ?? new BaselineLearningWindow(now, null);
        if (Window.Completed is null)
        {
            windows.SaveLearningWindow(Window);
            _learner = new BaselineLearner(options, "run-" + now.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture), store.LoadCandidates());
        }
    }

    public string Id => AnalyticId;

    public string Name => "Baseline learning during the first days of run";

    public IReadOnlyCollection<string> Categories { get; } = [EventCategories.Process, EventCategories.Network, EventCategories.Configuration];

    public BaselineLearningWindow Window { get; private set; }

    public DateTimeOffset Ends => Window.Started + _learnFor;

    public bool Learning
    {
        get
        {
            lock (_gate)
            {
                return _learner is not null;
            }
        }
    }

    public long EventsObserved
    {
        get
        {
            lock (_gate)
            {
                return _learner?.EventsObserved ?? 0;
            }
        }
    }

    /// <summary>Raised (on the checkpoint's thread) with the new active baseline when learning completes.</summary>
    public event Action<BaselineSet>? BaselineChanged;

    public void Observe(EcsEvent value, ISignalSink signals)
    {
        lock (_gate)
        {
            _learner?.Observe(value);
        }
    }

    /// <summary>Saves the candidates; after the period, commits them as a version (returned once) and stops learning.</summary>
    public BaselineVersion? Checkpoint()
    {
        BaselineSet? active = null;
        BaselineVersion? version = null;
        lock (_gate)
        {
            if (_learner is null)
            {
                return null;
            }

            var now = _time.GetUtcNow();
            if (now < Ends)
            {
                _store.SaveCandidates(_learner.Candidates);
                return null;
            }

            var days = _learnFor.TotalDays.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture);
            (version, _) = BaselineVersions.CommitLearning(_store, _learner, $"run learning, {days} days from {Window.Started:yyyy-MM-dd HH:mm:ss}Z", now);
            Window = Window with { Completed = now };
            _windows.SaveLearningWindow(Window);
            _learner = null;
            active = _store.LoadVersion(version.Number);
        }

        if (active is not null)
        {
            BaselineChanged?.Invoke(active);
        }

        return version;
    }
}
