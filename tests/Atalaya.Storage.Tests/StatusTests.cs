using Atalaya.Core.Pipeline;
using Atalaya.TestKit;

namespace Atalaya.Storage.Tests;

public sealed class StatusTests
{
    private static AgentStatus Status(long stored, string state) => new()
    {
        Pid = 1234,
        Version = "0.1.0",
        StartedAt = SampleEvents.T0,
        UpdatedAt = SampleEvents.T0.AddSeconds(stored),
        State = state,
        Collectors =
        [
            new CollectorHealth
            {
                Name = "process", Sensor = "netlink-proc", State = "running", Restarts = 1,
                LastError = "EPERM", LastErrorAt = SampleEvents.T0,
                Counters = new Dictionary<string, long> { ["events"] = stored },
            },
        ],
        EventsPublished = stored + 5,
        EventsDropped = 2,
        EventsProcessed = stored + 3,
        EventsStored = stored,
        AlertsRaised = 1,
        StoreErrors = 1,
        LastStoreError = "database is busy",
    };

    [Fact]
    public void Load_status_before_any_save_returns_null()
    {
        using var dir = new TempDirectory();
        using var store = SqliteEventStore.Open(dir.Path);
        Assert.Null(store.LoadStatus());
    }

    [Fact]
    public void Save_status_upserts_one_row_and_a_reader_sees_the_latest()
    {
        using var dir = new TempDirectory();
        using var store = SqliteEventStore.Open(dir.Path);
        store.SaveStatus(Status(10, "running"));
        var latest = Status(20, "stopped");
        store.SaveStatus(latest);

        using var reader = SqliteEventStore.OpenReadOnly(dir.Path);
        var loaded = reader.LoadStatus();
        Assert.NotNull(loaded);
        Assert.Equal(StatusJson.Serialize(latest), StatusJson.Serialize(loaded));

        using var raw = new RawDatabase(dir.Path);
        Assert.Equal(1, raw.Scalar("SELECT count(*) FROM status"));
        Assert.Equal(latest.UpdatedAt.ToUnixTimeMilliseconds(), raw.Scalar("SELECT updated FROM status WHERE key = 'agent'"));
    }
}
