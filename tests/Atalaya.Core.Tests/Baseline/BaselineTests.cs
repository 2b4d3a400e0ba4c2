using Atalaya.Core.Analytics;
using Atalaya.Core.Baseline;
using Atalaya.Core.Schema;
using Atalaya.Core.Tests.Analytics;

namespace Atalaya.Core.Tests.Baseline;

public sealed class BaselineTests
{
    private const string CurlHash = "aa11";

    private static EcsEvent Curl(DateTimeOffset at, string? sha256 = CurlHash, string parent = "/usr/bin/bash")
    {
        var value = SampleEvents.Process("/usr/bin/curl");
        return value with
        {
            Timestamp = at,
            Process = value.Process! with
            {
                Hash = sha256 is null ? null : new HashFields { Sha256 = sha256 },
                Parent = new ProcessFields { Pid = 1, Executable = parent },
            },
        };
    }

    private static List<BaselineKey> Facts(EcsEvent value)
    {
        var list = new List<BaselineKey>();
        BaselineFacts.Extract(value, list);
        return list;
    }

    [Fact]
    public void Facts_of_each_event_kind()
    {
        Assert.Equal(
            [new(BaselineKind.Executable, "/usr/bin/curl sha256:aa11"), new(BaselineKind.ParentChild, "/usr/bin/bash > /usr/bin/curl")],
            Facts(Curl(SampleEvents.Now)));
        Assert.Equal([new(BaselineKind.Executable, "/usr/bin/curl sha256:-"), new(BaselineKind.ParentChild, "/usr/bin/bash > /usr/bin/curl")],
            Facts(Curl(SampleEvents.Now, sha256: null)));
        Assert.Equal([new(BaselineKind.Destination, "/usr/bin/curl > 203.0.113.0/24 :443/tcp")],
            Facts(SampleEvents.Connection("/usr/bin/curl", 9, "203.0.113.77", 443)));
        Assert.Equal([new(BaselineKind.Destination, "/usr/bin/curl > 2001:db8:1:2::/64 :443/tcp")],
            Facts(SampleEvents.Connection("/usr/bin/curl", 9, "2001:db8:1:2:3:4:5:6", 443)));
        Assert.Equal([new(BaselineKind.Listener, "/usr/sbin/sshd :22/tcp")],
            Facts(SampleEvents.Listener("/usr/sbin/sshd", 9, "all-interfaces", port: 22)));
        Assert.Empty(Facts(SampleEvents.Connection("/usr/bin/curl", 9, "203.0.113.77", 443, direction: "ingress")));
        Assert.Empty(Facts(SampleEvents.Connection("/usr/bin/curl", 9, "not-an-ip", 443)));
        Assert.Empty(Facts(SampleEvents.Process("/usr/bin/curl", kind: EventKinds.Event, type: EventTypes.End)));

        var cron = new EcsEvent
        {
            Timestamp = SampleEvents.Now,
            Event = new EventFields { Kind = EventKinds.State, Category = [EventCategories.Configuration], Type = [EventTypes.Info], Dataset = Datasets.Persistence },
            File = new FileFields { Path = "/etc/cron.d/backup" },
            Atalaya = new AtalayaFields { Persistence = new AtalayaPersistenceFields { Kind = "cron", Command = "/usr/local/bin/backup" } },
        };
        Assert.Equal([new(BaselineKind.Persistence, "cron /etc/cron.d/backup runs /usr/local/bin/backup")], Facts(cron));
    }

    [Theory]
    [InlineData("10.1.2.3", "10.1.2.0/24")]
    [InlineData("::ffff:192.0.2.9", "192.0.2.0/24")]
    [InlineData("fe80::1", "fe80::/64")]
    [InlineData("999.1.1.1", null)]
    [InlineData("", null)]
    public void Destinations_are_kept_per_network(string ip, string? expected) =>
        Assert.Equal(expected, BaselineFacts.NetworkOf(ip));

    [Fact]
    public void A_fact_is_promoted_after_three_distinct_hours_not_three_events()
    {
        var learner = new BaselineLearner(new BaselineOptions(), "run1", []);
        var t = SampleEvents.Now;
        for (var i = 0; i < 50; i++)
        {
            learner.Observe(Curl(t.AddSeconds(i))); // one hour: one sighting however often the table repeats
        }

        Assert.Empty(learner.Promotable(BaselineSet.Empty));
        learner.Observe(Curl(t.AddHours(1)));
        Assert.Empty(learner.Promotable(BaselineSet.Empty));
        learner.Observe(Curl(t.AddHours(2)));
        var promoted = learner.Promotable(BaselineSet.Empty);
        Assert.Equal(2, promoted.Count);
        Assert.Contains(new BaselineKey(BaselineKind.Executable, "/usr/bin/curl sha256:aa11"), promoted);
        Assert.Equal(52, learner.EventsObserved);
        Assert.Equal(3, Assert.Single(learner.Candidates, c => c.Key.Kind == BaselineKind.Executable).Sightings);

        // Already in the active baseline: nothing new to promote.
        Assert.Empty(learner.Promotable(new BaselineSet(1, promoted)));
    }

    [Fact]
    public void Separate_runs_count_as_separate_sightings()
    {
        var first = new BaselineLearner(new BaselineOptions(), "run1", []);
        first.Observe(Curl(SampleEvents.Now));
        var second = new BaselineLearner(new BaselineOptions(), "run2", first.Candidates);
        second.Observe(Curl(SampleEvents.Now));
        second.Observe(Curl(SampleEvents.Now));
        var third = new BaselineLearner(new BaselineOptions(), "run3", second.Candidates);
        third.Observe(Curl(SampleEvents.Now));
        Assert.Equal(2, third.Promotable(BaselineSet.Empty).Count);
    }

    [Fact]
    public void Candidates_are_bounded_and_drops_are_counted()
    {
        var learner = new BaselineLearner(new BaselineOptions { MaxCandidates = 3 }, "run", []);
        for (var i = 0; i < 5; i++)
        {
            learner.Observe(SampleEvents.Connection("/usr/bin/curl", 9, $"203.0.{i}.1", 443));
        }

        Assert.Equal(3, learner.Candidates.Count);
        Assert.Equal(2, learner.Dropped);
    }

    [Fact]
    public void Diff_lists_added_and_removed_items_in_order()
    {
        var a = new BaselineSet(1, [new(BaselineKind.Listener, "x :1/tcp"), new(BaselineKind.Executable, "b sha256:-")]);
        var b = new BaselineSet(2, [new(BaselineKind.Executable, "b sha256:-"), new(BaselineKind.Executable, "a sha256:-"), new(BaselineKind.Destination, "d")]);
        var diff = BaselineSet.Diff(a, b);
        Assert.Equal([new(BaselineKind.Executable, "a sha256:-"), new(BaselineKind.Destination, "d")], diff.Added);
        Assert.Equal([new(BaselineKind.Listener, "x :1/tcp")], diff.Removed);
    }

    [Fact]
    public void First_seen_signals_once_per_new_fact_and_is_quiet_without_a_baseline()
    {
        var sink = new ListSink();
        new FirstSeenAnalytic(BaselineSet.Empty).Observe(Curl(SampleEvents.Now), sink);
        Assert.Empty(sink.Signals);

        var baseline = new BaselineSet(4, [new(BaselineKind.Executable, "/usr/bin/curl sha256:aa11")]);
        var analytic = new FirstSeenAnalytic(baseline);
        analytic.Observe(Curl(SampleEvents.Now), sink);
        var signal = Assert.Single(sink.Signals);
        Assert.Equal("atalaya.analytic.first-seen.parent-child", signal.SourceId);
        Assert.Equal("first seen since baseline version 4: parent-child /usr/bin/bash > /usr/bin/curl", signal.Detail);
        Assert.Equal(15, signal.Contribution, 3);

        analytic.Observe(Curl(SampleEvents.Now), sink); // the same fact again
        analytic.Observe(Curl(SampleEvents.Now, sha256: "bb22"), sink); // a replaced binary is new
        Assert.Equal(2, sink.Signals.Count);
        Assert.Equal("atalaya.analytic.first-seen.executable", sink.Signals[1].SourceId);
        Assert.Contains("sha256:bb22", sink.Signals[1].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_baseline_known_executable_and_hash_halves_other_signals_confidence()
    {
        var baseline = new BaselineSet(2, [new(BaselineKind.Executable, "/usr/bin/curl sha256:aa11")]);
        var dampener = new BaselineSignalDampener(baseline);
        Signal Make(EcsEvent subject, string source = "atalaya.analytic.x", bool indicator = false) => new()
        {
            SourceId = source, SourceName = "x", EntityKey = "e", Weight = 80, Confidence = 0.8, Domain = SignalDomain.Process,
            Detail = "d", Timestamp = subject.Timestamp, Subject = subject, IndicatorMatch = indicator,
        };

        var lowered = dampener.Apply(Make(Curl(SampleEvents.Now)));
        Assert.Equal(0.4, lowered.Confidence, 6);
        Assert.Equal(80, lowered.Weight);
        Assert.Equal("d (this executable and hash are in baseline version 2: confidence halved)", lowered.Detail);

        Assert.Equal(0.8, dampener.Apply(Make(Curl(SampleEvents.Now, sha256: "bb22"))).Confidence);
        Assert.Equal(0.8, dampener.Apply(Make(Curl(SampleEvents.Now, sha256: null))).Confidence);
        Assert.Equal(0.8, dampener.Apply(Make(Curl(SampleEvents.Now), indicator: true)).Confidence);
        Assert.Equal(0.8, new BaselineSignalDampener(BaselineSet.Empty).Apply(Make(Curl(SampleEvents.Now))).Confidence);
    }
}
