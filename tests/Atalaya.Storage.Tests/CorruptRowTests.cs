using Atalaya.Core.Storage;
using Atalaya.TestKit;

namespace Atalaya.Storage.Tests;

public sealed class CorruptRowTests
{
    [Fact]
    public void Rows_whose_json_no_longer_parses_are_skipped_and_counted()
    {
        using var dir = new TempDirectory();
        using var store = SqliteEventStore.Open(dir.Path);
        store.Append([SampleEvents.Event(SampleEvents.T0, pid: 1), SampleEvents.Alert(SampleEvents.T0, "good", 50)]);

        var ts = SampleEvents.T0.AddMinutes(1).ToUnixTimeMilliseconds();
        using (var raw = new RawDatabase(dir.Path))
        {
            // Truncated document, a JSON value that is not an event, a bad timestamp, a missing required field.
            raw.Execute($"INSERT INTO events (ts, json) VALUES ({ts}, '{{\"@timestamp\":\"2026-11-21T10:0')");
            raw.Execute($"INSERT INTO events (ts, json) VALUES ({ts}, 'null')");
            raw.Execute($"INSERT INTO events (ts, json) VALUES ({ts}, '{{\"@timestamp\":\"yesterday\",\"event\":{{\"kind\":\"event\",\"category\":[],\"type\":[]}}}}')");
            raw.Execute($"INSERT INTO alerts (alert_id, first_ts, ts, json) VALUES ('bad', {ts}, {ts}, '{{\"event\":{{}}}}')");
        }

        var events = store.QueryEvents(new EventQuery());
        Assert.Equal(1, Assert.Single(events).Process!.Pid);
        Assert.Equal(3, store.UnreadableRows);

        var alerts = store.QueryAlerts(new AlertQuery());
        Assert.Equal("good", Assert.Single(alerts).Atalaya!.AlertId);
        Assert.Equal(4, store.UnreadableRows);
    }

    [Fact]
    public void Corrupt_status_row_reads_as_no_status_and_is_counted()
    {
        using var dir = new TempDirectory();
        using var store = SqliteEventStore.Open(dir.Path);
        using (var raw = new RawDatabase(dir.Path))
        {
            raw.Execute("INSERT INTO status (key, json, updated) VALUES ('agent', '{\"pid\":', 0)");
        }

        Assert.Null(store.LoadStatus());
        Assert.Equal(1, store.UnreadableRows);
    }
}
