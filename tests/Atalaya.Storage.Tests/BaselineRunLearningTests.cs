using Atalaya.Core.Analytics;
using Atalaya.Core.Baseline;
using Atalaya.Core.Schema;
using Atalaya.TestKit;

namespace Atalaya.Storage.Tests;

/// <summary>Learning during the first days of `run`, on a real SQLite store, with a clock the test moves.</summary>
public sealed class BaselineRunLearningTests
{
    private static readonly DateTimeOffset T0 = SampleEvents.T0;

    private static EcsEvent Exec(string executable, string sha256, int pid, DateTimeOffset at) => new()
    {
        Timestamp = at,
        Event = new EventFields { Kind = EventKinds.Event, Category = [EventCategories.Process], Type = [EventTypes.Start] },
        Process = new ProcessFields { Pid = pid, Executable = executable, Name = Path.GetFileName(executable), Hash = new HashFields { Sha256 = sha256 } },
    };

    [Fact]
    public void A_fresh_run_learns_for_the_configured_days_then_commits_a_version_and_first_seen_signals_start()
    {
        using var dir = new TempDirectory();
        var clock = new ManualTime(T0);
        var daemon = Exec("/usr/sbin/cron", new string('a', 64), 700, T0);
        var oneOff = Exec("/tmp/.x/payload", new string('b', 64), 900, T0 + TimeSpan.FromHours(1));

        using (var store = SqliteBaselineStore.Open(dir.Path))
        {
            var learning = new BaselineRunLearning(store, store, new BaselineOptions(), TimeSpan.FromDays(3), clock);
            var firstSeen = new FirstSeenAnalytic(BaselineSet.Empty);
            var dampener = new BaselineSignalDampener(BaselineSet.Empty);
            learning.BaselineChanged += set =>
            {
                firstSeen.Replace(set);
                dampener.Replace(set);
            };
            Assert.True(learning.Learning);
            Assert.Equal(T0 + TimeSpan.FromDays(3), learning.Ends);

            // The daemon runs in three distinct hours (promoted); the payload once (stays a candidate).
            var sink = new Sink();
            foreach (var at in new[] { T0, T0 + TimeSpan.FromHours(1), T0 + TimeSpan.FromHours(2) })
            {
                learning.Observe(daemon with { Timestamp = at }, sink);
                firstSeen.Observe(daemon with { Timestamp = at }, sink);
            }

            learning.Observe(oneOff, sink);
            Assert.Empty(sink.Signals); // no first-seen signal while learning

            clock.Now = T0 + TimeSpan.FromDays(1);
            Assert.Null(learning.Checkpoint());
            Assert.Empty(store.ListVersions());
            Assert.NotEmpty(store.LoadCandidates());
        }

        // The agent restarts on day 2: the period keeps its start and the candidates survive.
        clock.Now = T0 + TimeSpan.FromDays(2);
        using (var store = SqliteBaselineStore.Open(dir.Path))
        {
            var learning = new BaselineRunLearning(store, store, new BaselineOptions(), TimeSpan.FromDays(3), clock);
            var firstSeen = new FirstSeenAnalytic(BaselineSet.Empty);
            learning.BaselineChanged += firstSeen.Replace;
            Assert.Equal(new BaselineLearningWindow(T0, null), learning.Window);
            Assert.True(learning.Learning);

            clock.Now = T0 + TimeSpan.FromDays(3);
            var version = learning.Checkpoint();
            Assert.NotNull(version);
            Assert.Equal(1, version.Number);
            Assert.False(learning.Learning);
            Assert.Null(learning.Checkpoint()); // committed once
            Assert.Equal(new BaselineLearningWindow(T0, T0 + TimeSpan.FromDays(3)), store.LoadLearningWindow());

            var active = BaselineVersions.LoadActive(store);
            Assert.Contains(new BaselineKey(BaselineKind.Executable, BaselineFacts.ExecutableValue("/usr/sbin/cron", new string('a', 64))), active.Items);
            Assert.DoesNotContain(active.Items, k => k.Value.Contains("/tmp/.x/payload", StringComparison.Ordinal));

            // First-seen signals start: the one-off is new, the daemon is known.
            var sink = new Sink();
            firstSeen.Observe(daemon with { Timestamp = clock.Now }, sink);
            Assert.Empty(sink.Signals);
            firstSeen.Observe(oneOff with { Timestamp = clock.Now }, sink);
            Assert.Contains(sink.Signals, s => s.SourceId == "atalaya.analytic.first-seen.executable" && s.Detail.Contains("/tmp/.x/payload", StringComparison.Ordinal));
        }

        // Later runs do not learn again.
        clock.Now = T0 + TimeSpan.FromDays(10);
        using (var store = SqliteBaselineStore.Open(dir.Path))
        {
            var learning = new BaselineRunLearning(store, store, new BaselineOptions(), TimeSpan.FromDays(3), clock);
            Assert.False(learning.Learning);
            learning.Observe(oneOff, new Sink());
            Assert.Equal(0, learning.EventsObserved);
            Assert.Single(store.ListVersions());
        }
    }

    [Fact]
    public void An_agent_started_after_the_period_commits_what_it_learnt_at_its_first_checkpoint()
    {
        using var dir = new TempDirectory();
        var clock = new ManualTime(T0);
        using var store = SqliteBaselineStore.Open(dir.Path);
        var learning = new BaselineRunLearning(store, store, new BaselineOptions { PromoteAfter = 1 }, TimeSpan.FromDays(1), clock);
        learning.Observe(Exec("/usr/bin/true", new string('c', 64), 10, T0), new Sink());
        Assert.Null(learning.Checkpoint());

        clock.Now = T0 + TimeSpan.FromDays(5);
        var restarted = new BaselineRunLearning(store, store, new BaselineOptions { PromoteAfter = 1 }, TimeSpan.FromDays(1), clock);
        Assert.True(restarted.Learning);
        var version = restarted.Checkpoint();
        Assert.Equal(1, version?.ItemCount);
    }

    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private sealed class Sink : ISignalSink
    {
        public List<Signal> Signals { get; } = [];

        public void Emit(Signal signal) => Signals.Add(signal);
    }
}
