using Atalaya.Core.Baseline;
using Atalaya.TestKit;

namespace Atalaya.Storage.Tests;

public sealed class BaselineStoreTests
{
    private static readonly BaselineKey Sshd = new(BaselineKind.Executable, "/usr/sbin/sshd sha256:ab");
    private static readonly BaselineKey Listener = new(BaselineKind.Listener, "/usr/sbin/sshd :22/tcp");
    private static readonly BaselineKey Dest = new(BaselineKind.Destination, "/usr/bin/apt > 203.0.113.0/24 :443/tcp");

    [Fact]
    public void Candidates_and_versions_round_trip_through_the_file()
    {
        using var dir = new TempDirectory();
        var t0 = SampleEvents.T0;
        using (var store = SqliteBaselineStore.Open(dir.Path))
        {
            Assert.Empty(store.ListVersions());
            Assert.Same(BaselineSet.Empty, BaselineVersions.LoadActive(store));
            store.SaveCandidates([new BaselineCandidate(Sshd, 2, "run/7", t0, t0.AddHours(1)), new BaselineCandidate(Listener, 1, "run/8", t0, t0)]);
            var v1 = store.AddVersion([Sshd, Sshd, Listener], "learn run 1", t0);
            Assert.Equal(new BaselineVersion(1, t0, "learn run 1", 2), v1);
        }

        using (var reopened = SqliteBaselineStore.Open(dir.Path))
        {
            var candidates = reopened.LoadCandidates().OrderBy(c => c.Key.Kind).ToList();
            Assert.Equal(2, candidates.Count);
            Assert.Equal(Sshd, candidates[0].Key);
            Assert.Equal(2, candidates[0].Sightings);
            Assert.Equal("run/7", candidates[0].LastSlot);
            Assert.Equal(t0, candidates[0].FirstSeen);
            Assert.Equal(t0.AddHours(1), candidates[0].LastSeen);
            Assert.Equal(Listener, candidates[1].Key);

            var active = BaselineVersions.LoadActive(reopened);
            Assert.Equal(1, active.Version);
            Assert.True(active.Contains(Sshd));
            Assert.True(active.Contains(Listener));
            Assert.Null(reopened.LoadVersion(2));
        }
    }

    [Fact]
    public void Learning_promotes_into_new_versions_and_rollback_sticks()
    {
        using var dir = new TempDirectory();
        using var store = SqliteBaselineStore.Open(dir.Path);
        var t0 = SampleEvents.T0;
        var options = new BaselineOptions { PromoteAfter = 2 };

        // Run 1: everything is seen once; a version is still written (empty) so the run shows in list.
        var run1 = new BaselineLearner(options, "r1", store.LoadCandidates());
        run1.Observe(Network.Sample("/usr/bin/apt", "203.0.113.8", 443, t0));
        var (v1, promoted1) = BaselineVersions.CommitLearning(store, run1, "learn 1", t0);
        Assert.Equal((1, 0, 0), (v1.Number, v1.ItemCount, promoted1));

        // Run 2: seen again in another run, so promoted.
        var run2 = new BaselineLearner(options, "r2", store.LoadCandidates());
        run2.Observe(Network.Sample("/usr/bin/apt", "203.0.113.9", 443, t0.AddDays(1)));
        var (v2, promoted2) = BaselineVersions.CommitLearning(store, run2, "learn 2", t0.AddDays(1));
        Assert.Equal((2, 1, 1), (v2.Number, v2.ItemCount, promoted2));
        Assert.Equal([Dest], BaselineSet.Diff(store.LoadVersion(1)!, store.LoadVersion(2)!).Added);

        // Rollback to 1 is a new version 3 without the destination...
        var v3 = BaselineVersions.Rollback(store, 1, t0.AddDays(2));
        Assert.Equal(new BaselineVersion(3, t0.AddDays(2), "rollback to version 1", 0), v3);
        Assert.False(BaselineVersions.LoadActive(store).Contains(Dest));
        Assert.Null(BaselineVersions.Rollback(store, 42, t0));

        // ...and its sightings are forgotten, so one more run does not promote it straight back.
        var run3 = new BaselineLearner(options, "r3", store.LoadCandidates());
        run3.Observe(Network.Sample("/usr/bin/apt", "203.0.113.9", 443, t0.AddDays(3)));
        var (v4, promoted4) = BaselineVersions.CommitLearning(store, run3, "learn 3", t0.AddDays(3));
        Assert.Equal((4, 0), (v4.Number, promoted4));
        Assert.Equal(["learn 1", "learn 2", "rollback to version 1", "learn 3"], store.ListVersions().Select(v => v.Note));
    }

    [Fact]
    public void A_failing_read_surfaces_as_a_store_error_not_a_raw_sqlite_exception()
    {
        using var dir = new TempDirectory();
        using var store = SqliteBaselineStore.Open(dir.Path);
        using (var raw = new RawDatabase(dir.Path))
        {
            // A database damaged (or rolled back by hand) after it was opened: the query fails inside SQLite.
            raw.Execute("DROP TABLE baseline_versions");
        }

        var error = Assert.Throws<StoreException>(() => store.ListVersions());
        Assert.Contains("listing the baseline versions", error.Message, StringComparison.Ordinal);
        Assert.IsType<Microsoft.Data.Sqlite.SqliteException>(error.InnerException);
    }

    private static class Network
    {
        public static Core.Schema.EcsEvent Sample(string executable, string ip, int port, DateTimeOffset at) => new()
        {
            Timestamp = at,
            Event = new Core.Schema.EventFields { Kind = "event", Category = ["network"], Type = ["connection", "start"] },
            Process = new Core.Schema.ProcessFields { Pid = 10, Executable = executable },
            Destination = new Core.Schema.EndpointFields { Ip = ip, Port = port },
            Network = new Core.Schema.NetworkFields { Transport = "tcp", Direction = "egress" },
        };
    }
}
