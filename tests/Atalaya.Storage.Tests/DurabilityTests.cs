using Atalaya.Core.Schema;
using Atalaya.Core.Storage;
using Atalaya.TestKit;

namespace Atalaya.Storage.Tests;

public sealed class DurabilityTests
{
    [Fact]
    public void Committed_batches_survive_a_crash_that_leaves_only_the_database_and_its_wal()
    {
        using var dir = new TempDirectory();
        var live = dir.Combine("live");
        var crashed = dir.Combine("crashed");
        var batch = SampleEvents.Events(200, SampleEvents.T0);
        batch.Add(SampleEvents.Alert(SampleEvents.T0, "a1", 77));

        // Never disposed, so no close-time checkpoint: the batch lives only in the WAL, exactly as
        // after a SIGKILL. Copying the two files (without -shm, which a crash may leave stale) gives
        // the on-disk image a new agent process would find.
        var agent = SqliteEventStore.Open(live);
        agent.Append(batch);
        Assert.True(new FileInfo(Path.Combine(live, "atalaya.db-wal")).Length > 0, "the batch should still be in the WAL");
        Directory.CreateDirectory(crashed);
        File.Copy(Path.Combine(live, "atalaya.db"), Path.Combine(crashed, "atalaya.db"));
        File.Copy(Path.Combine(live, "atalaya.db-wal"), Path.Combine(crashed, "atalaya.db-wal"));

        using var restarted = SqliteEventStore.Open(crashed);
        var stats = restarted.GetStatistics();
        Assert.Equal(200, stats.EventCount);
        Assert.Equal(1, stats.AlertCount);
        var newest = restarted.QueryEvents(new EventQuery(Limit: 1))[0];
        Assert.Equal(EcsJson.Serialize(batch[199]), EcsJson.Serialize(newest));

        // A second store on the live directory while the first still holds it (agent restarted
        // before the old one was reaped) sees the same data and can write.
        using var second = SqliteEventStore.Open(live);
        Assert.Equal(200, second.GetStatistics().EventCount);
        second.Append([SampleEvents.Event(SampleEvents.T0.AddHours(1))]);
        Assert.Equal(201, second.GetStatistics().EventCount);
        agent.Dispose();
    }
}
