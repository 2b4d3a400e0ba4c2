using Atalaya.Core.Schema;
using Atalaya.Core.Storage;
using Atalaya.TestKit;

namespace Atalaya.Storage.Tests;

public sealed class AppendAndQueryTests
{
    private static readonly DateTimeOffset T0 = SampleEvents.T0;

    [Fact]
    public void Fully_populated_process_event_survives_a_round_trip()
    {
        using var dir = new TempDirectory();
        var original = SampleEvents.FullProcessStart();
        var expected = EcsJson.Serialize(original);
        using (var store = SqliteEventStore.Open(dir.Path))
        {
            store.Append([original]);
        }

        // Reopen so nothing can come from memory.
        using var reopened = SqliteEventStore.Open(dir.Path);
        var loaded = Assert.Single(reopened.QueryEvents(new EventQuery()));
        Assert.Equal(expected, EcsJson.Serialize(loaded));
        Assert.Equal(original.Timestamp, loaded.Timestamp);
        Assert.Equal(original.Process!.Parent!.EntityId, loaded.Process!.Parent!.EntityId);
        Assert.Equal(original.Process.Args, loaded.Process.Args);
        Assert.Equal(0, reopened.UnreadableRows);

        // The indexed columns mirror the document.
        using var raw = new RawDatabase(dir.Path);
        using var command = raw.Connection.CreateCommand();
        command.CommandText = "SELECT ts, kind, category, action, dataset, pid, entity_id, executable FROM events";
        using var row = command.ExecuteReader();
        Assert.True(row.Read());
        Assert.Equal(original.Timestamp.ToUnixTimeMilliseconds(), row.GetInt64(0));
        Assert.Equal("event", row.GetString(1));
        Assert.Equal("process", row.GetString(2));
        Assert.Equal("exec", row.GetString(3));
        Assert.Equal("atalaya.process", row.GetString(4));
        Assert.Equal(4242, row.GetInt32(5));
        Assert.Equal(original.Process.EntityId, row.GetString(6));
        Assert.Equal("/usr/bin/curl", row.GetString(7));
    }

    [Fact]
    public void Empty_batch_writes_nothing()
    {
        using var dir = new TempDirectory();
        using var store = SqliteEventStore.Open(dir.Path);
        store.Append([]);
        var stats = store.GetStatistics();
        Assert.Equal(0, stats.EventCount);
        Assert.Equal(0, stats.AlertCount);
    }

    [Fact]
    public void Alert_upsert_keeps_one_row_with_latest_version_and_first_timestamp()
    {
        using var dir = new TempDirectory();
        using var store = SqliteEventStore.Open(dir.Path);
        store.Append([SampleEvents.Alert(T0, "alert-1", score: 40, verdict: "suspicious")]);
        store.Append([SampleEvents.Alert(T0.AddMinutes(5), "alert-1", score: 85, verdict: "likely malicious")]);

        var alert = Assert.Single(store.QueryAlerts(new AlertQuery()));
        Assert.Equal(85, alert.Event.RiskScore);
        Assert.Equal("likely malicious", alert.Atalaya!.Verdict);
        Assert.Equal(T0.AddMinutes(5), alert.Timestamp);
        Assert.Equal(0, store.GetStatistics().EventCount);

        using var raw = new RawDatabase(dir.Path);
        Assert.Equal(1, raw.Scalar("SELECT count(*) FROM alerts"));
        Assert.Equal(T0.ToUnixTimeMilliseconds(), raw.Scalar("SELECT first_ts FROM alerts WHERE alert_id = 'alert-1'"));
        Assert.Equal(T0.AddMinutes(5).ToUnixTimeMilliseconds(), raw.Scalar("SELECT ts FROM alerts WHERE alert_id = 'alert-1'"));
        Assert.Equal(85, raw.Scalar("SELECT score FROM alerts WHERE alert_id = 'alert-1'"));
    }

    [Fact]
    public void Alert_upsert_within_one_batch_keeps_the_last_version()
    {
        using var dir = new TempDirectory();
        using var store = SqliteEventStore.Open(dir.Path);
        store.Append([SampleEvents.Alert(T0, "a", 10), SampleEvents.Alert(T0.AddSeconds(1), "a", 20), SampleEvents.Alert(T0, "b", 30)]);

        var alerts = store.QueryAlerts(new AlertQuery());
        Assert.Equal(["a", "b"], alerts.Select(a => a.Atalaya!.AlertId!).Order());
        Assert.Equal(20, alerts.Single(a => a.Atalaya!.AlertId == "a").Event.RiskScore);
    }

    [Fact]
    public void Alert_without_alert_id_is_keyed_by_event_id_or_a_new_guid_written_into_the_document()
    {
        using var dir = new TempDirectory();
        using var store = SqliteEventStore.Open(dir.Path);
        store.Append([SampleEvents.Alert(T0, alertId: null, score: 50, eventId: "evt-9")]);
        store.Append([SampleEvents.Alert(T0.AddSeconds(1), alertId: null, score: 60, eventId: "evt-9")]);
        store.Append([SampleEvents.Alert(T0.AddSeconds(2), alertId: null, score: 70)]);
        store.Append([SampleEvents.Alert(T0.AddSeconds(3), alertId: null, score: 80)]);

        var alerts = store.QueryAlerts(new AlertQuery());
        Assert.Equal(3, alerts.Count);
        var byEventId = alerts.Single(a => a.Event.Id == "evt-9");
        Assert.Equal("evt-9", byEventId.Atalaya!.AlertId);
        Assert.Equal(60, byEventId.Event.RiskScore);
        var generated = alerts.Where(a => a.Event.Id is null).Select(a => a.Atalaya!.AlertId).ToList();
        Assert.Equal(2, generated.Count);
        Assert.All(generated, id => Assert.Equal(32, id!.Length));
        Assert.NotEqual(generated[0], generated[1]);
    }

    [Fact]
    public void Alert_query_filters_by_since_and_minimum_score_newest_first()
    {
        using var dir = new TempDirectory();
        using var store = SqliteEventStore.Open(dir.Path);
        store.Append(Enumerable.Range(0, 6).Select(i => SampleEvents.Alert(T0.AddMinutes(i), $"a{i}", score: i * 20)).ToList());

        Assert.Equal(["a5", "a4", "a3", "a2", "a1", "a0"], Ids(store.QueryAlerts(new AlertQuery())));
        Assert.Equal(["a5", "a4", "a3"], Ids(store.QueryAlerts(new AlertQuery(Since: T0.AddMinutes(3)))));
        Assert.Equal(["a5", "a4"], Ids(store.QueryAlerts(new AlertQuery(MinimumScore: 80))));
        Assert.Equal(["a5"], Ids(store.QueryAlerts(new AlertQuery(Since: T0.AddMinutes(1), Limit: 1))));
        Assert.Empty(store.QueryAlerts(new AlertQuery(Since: T0.AddMinutes(6))));

        static List<string> Ids(IReadOnlyList<EcsEvent> alerts) => alerts.Select(a => a.Atalaya!.AlertId!).ToList();
    }

    [Fact]
    public void Event_query_since_is_inclusive_and_newest_first_with_limit()
    {
        using var dir = new TempDirectory();
        using var store = SqliteEventStore.Open(dir.Path);
        // Stored out of order: ordering must come from @timestamp, not insertion.
        store.Append([.. Enumerable.Range(0, 10).Reverse().Select(i => SampleEvents.Event(T0.AddMinutes(i), pid: i))]);

        var since = store.QueryEvents(new EventQuery(Since: T0.AddMinutes(5)));
        Assert.Equal([9, 8, 7, 6, 5], since.Select(e => e.Process!.Pid));

        var limited = store.QueryEvents(new EventQuery(Limit: 3));
        Assert.Equal([9, 8, 7], limited.Select(e => e.Process!.Pid));
        Assert.Throws<ArgumentOutOfRangeException>(() => store.QueryEvents(new EventQuery(Limit: 0)));
    }

    [Fact]
    public void Event_query_filters_by_category_pid_and_dataset()
    {
        using var dir = new TempDirectory();
        using var store = SqliteEventStore.Open(dir.Path);
        store.Append(
        [
            SampleEvents.Event(T0, pid: 100),
            SampleEvents.Event(T0.AddSeconds(1), pid: 200),
            SampleEvents.Event(T0.AddSeconds(2), pid: 100, category: EventCategories.Network, dataset: Datasets.Network, action: "connect"),
            SampleEvents.Event(T0.AddSeconds(3), pid: 200, category: EventCategories.Network, dataset: Datasets.Network, action: "connect"),
            SampleEvents.Alert(T0.AddSeconds(4), "not-an-event", 90),
        ]);

        Assert.Equal(4, store.QueryEvents(new EventQuery()).Count);
        var network = store.QueryEvents(new EventQuery(Category: EventCategories.Network));
        Assert.Equal([200, 100], network.Select(e => e.Process!.Pid));
        var pid100 = store.QueryEvents(new EventQuery(Pid: 100));
        Assert.Equal([EventCategories.Network, EventCategories.Process], pid100.Select(e => e.Event.Category[0]));
        var both = Assert.Single(store.QueryEvents(new EventQuery(Category: EventCategories.Process, Pid: 200)));
        Assert.Equal(T0.AddSeconds(1), both.Timestamp);
        Assert.Equal(2, store.QueryEvents(new EventQuery(Dataset: Datasets.Process)).Count);
        Assert.Empty(store.QueryEvents(new EventQuery(Pid: 300)));
    }
}
