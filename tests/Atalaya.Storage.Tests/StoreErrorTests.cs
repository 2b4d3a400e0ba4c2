using Atalaya.Core.Storage;
using Atalaya.TestKit;

namespace Atalaya.Storage.Tests;

public sealed class StoreErrorTests
{
    private static readonly SqliteStoreOptions ShortBusyTimeout = new() { BusyTimeout = TimeSpan.FromMilliseconds(100) };

    [Fact]
    public void Append_while_another_connection_holds_an_exclusive_lock_fails_as_busy_and_writes_nothing()
    {
        using var dir = new TempDirectory();
        using var store = SqliteEventStore.Open(dir.Path, ShortBusyTimeout);
        store.Append([SampleEvents.Event(SampleEvents.T0)]);

        using (var other = new RawDatabase(dir.Path))
        {
            other.Execute("BEGIN EXCLUSIVE");
            var error = Assert.Throws<StoreException>(() => store.Append(SampleEvents.Events(500, SampleEvents.T0.AddMinutes(1))));
            Assert.True(error.Kind is StoreErrorKind.Busy or StoreErrorKind.Locked, $"kind was {error.Kind}: {error.Message}");
            Assert.True(error.IsTransient);
            Assert.Contains("busy", error.Message, StringComparison.Ordinal);

            // WAL readers are not blocked by the writer's lock: the CLI can still look.
            Assert.Single(store.QueryEvents(new EventQuery()));
            other.Execute("ROLLBACK");
        }

        Assert.Equal(1, store.GetStatistics().EventCount);

        // The store recovers once the lock is gone: the retry writes the whole batch.
        store.Append(SampleEvents.Events(500, SampleEvents.T0.AddMinutes(1)));
        Assert.Equal(501, store.GetStatistics().EventCount);
    }

    [Fact]
    public void A_batch_that_fills_the_database_fails_as_full_and_is_rolled_back_entirely()
    {
        using var dir = new TempDirectory();

        // max_page_count stands in for a full disk: SQLite reports both as SQLITE_FULL, mid-batch.
        using var store = SqliteEventStore.Open(dir.Path, new SqliteStoreOptions { MaxPageCount = 40 });
        store.Append([SampleEvents.Event(SampleEvents.T0)]);
        var big = SampleEvents.Events(3000, SampleEvents.T0.AddMinutes(1));
        big.Add(SampleEvents.Alert(SampleEvents.T0, "a-in-failed-batch", 90));

        var error = Assert.Throws<StoreException>(() => store.Append(big));
        Assert.Equal(StoreErrorKind.Full, error.Kind);
        Assert.False(error.IsTransient);
        Assert.Contains("full", error.Message, StringComparison.Ordinal);

        var stats = store.GetStatistics();
        Assert.Equal(1, stats.EventCount);
        Assert.Equal(0, stats.AlertCount);

        // The writer connection is still usable after the rollback.
        store.Append([SampleEvents.Event(SampleEvents.T0.AddSeconds(1))]);
        Assert.Equal(2, store.GetStatistics().EventCount);
    }

    [Fact]
    public void Using_a_disposed_store_throws_object_disposed()
    {
        using var dir = new TempDirectory();
        var store = SqliteEventStore.Open(dir.Path);
        store.Dispose();
        store.Dispose();
        Assert.Throws<ObjectDisposedException>(() => store.Append([SampleEvents.Event(SampleEvents.T0)]));
        Assert.Throws<ObjectDisposedException>(() => store.QueryEvents(new EventQuery()));
    }
}
