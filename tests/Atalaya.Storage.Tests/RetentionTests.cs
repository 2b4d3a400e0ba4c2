using Atalaya.Core.Storage;
using Atalaya.TestKit;

namespace Atalaya.Storage.Tests;

public sealed class RetentionTests
{
    private static readonly DateTimeOffset T0 = SampleEvents.T0;

    [Fact]
    public void Delete_events_before_removes_only_older_events_in_chunks_and_keeps_alerts()
    {
        using var dir = new TempDirectory();
        using var store = SqliteEventStore.Open(dir.Path, new SqliteStoreOptions { RetentionChunkSize = 3 });
        store.Append([.. Enumerable.Range(0, 10).Select(i => SampleEvents.Event(T0.AddMinutes(i), pid: i))]);
        store.Append([SampleEvents.Alert(T0, "old-alert", 50)]);

        Assert.Equal(5, store.DeleteEventsBefore(T0.AddMinutes(5)));

        var left = store.QueryEvents(new EventQuery());
        Assert.Equal([9, 8, 7, 6, 5], left.Select(e => e.Process!.Pid));
        Assert.Single(store.QueryAlerts(new AlertQuery()));
        Assert.Equal(0, store.DeleteEventsBefore(T0.AddMinutes(5)));
        Assert.Equal(5, store.DeleteEventsBefore(T0.AddDays(1)));
        Assert.Equal(0, store.GetStatistics().EventCount);
    }

    [Fact]
    public void Enforce_max_size_deletes_the_oldest_events_until_the_files_fit()
    {
        using var dir = new TempDirectory();
        using var store = SqliteEventStore.Open(dir.Path, new SqliteStoreOptions { RetentionChunkSize = 2000 });
        for (var i = 0; i < 5; i++)
        {
            store.Append([.. Enumerable.Range(0, 1000).Select(j => SampleEvents.FullProcessStart() with { Timestamp = T0.AddSeconds(i * 1000 + j) })]);
        }

        store.Append([SampleEvents.Alert(T0, "kept", 90)]);
        var before = store.GetStatistics();
        const long MaxBytes = 1024 * 1024;
        Assert.True(before.DatabaseBytes > 4 * MaxBytes, $"setup should overflow the limit, was {before.DatabaseBytes}");

        var deleted = store.EnforceMaxSize(MaxBytes);

        var after = store.GetStatistics();
        Assert.Equal(before.EventCount - deleted, after.EventCount);
        Assert.InRange(after.EventCount, 1, before.EventCount - 1);
        Assert.True(after.DatabaseBytes <= MaxBytes, $"database plus WAL is {after.DatabaseBytes} bytes");
        Assert.Equal(1, after.AlertCount);

        // What is left is the newest: the newest event survived, the oldest went.
        var newest = store.QueryEvents(new EventQuery(Limit: 1))[0];
        Assert.Equal(T0.AddSeconds(4 * 1000 + 999), newest.Timestamp);
        using var raw = new RawDatabase(dir.Path);
        Assert.True(raw.Scalar("SELECT min(ts) FROM events") > T0.ToUnixTimeMilliseconds());

        // Already under the limit: nothing more goes.
        Assert.Equal(0, store.EnforceMaxSize(MaxBytes));
    }
}
