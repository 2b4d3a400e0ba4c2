using Atalaya.Core.Storage;
using Atalaya.TestKit;

namespace Atalaya.Storage.Tests;

public sealed class ReadOnlyTests
{
    [Fact]
    public void Read_only_open_of_a_missing_database_says_how_to_get_data()
    {
        using var dir = new TempDirectory();
        var dataDirectory = dir.Combine("never-started");

        var error = Assert.Throws<StoreException>(() => SqliteEventStore.OpenReadOnly(dataDirectory));
        Assert.Equal(StoreErrorKind.Missing, error.Kind);
        Assert.Equal($"no data yet in {dataDirectory}: start the agent with `atalaya run`", error.Message);
        Assert.False(Directory.Exists(dataDirectory)); // a reader creates nothing
    }

    [Fact]
    public void Read_only_store_reads_what_the_agent_wrote_and_refuses_writes()
    {
        using var dir = new TempDirectory();
        using var agent = SqliteEventStore.Open(dir.Path);
        agent.Append([SampleEvents.Event(SampleEvents.T0), SampleEvents.Alert(SampleEvents.T0, "a1", 75)]);

        using var cli = SqliteEventStore.OpenReadOnly(dir.Path);
        Assert.True(cli.IsReadOnly);
        Assert.Single(cli.QueryEvents(new EventQuery()));
        Assert.Equal("a1", Assert.Single(cli.QueryAlerts(new AlertQuery())).Atalaya!.AlertId);

        var error = Assert.Throws<StoreException>(() => cli.Append([SampleEvents.Event(SampleEvents.T0)]));
        Assert.Equal(StoreErrorKind.ReadOnly, error.Kind);
        Assert.Equal(StoreErrorKind.ReadOnly, Assert.Throws<StoreException>(() => cli.DeleteEventsBefore(SampleEvents.T0)).Kind);
    }

    [Fact]
    public void Read_only_store_opens_after_the_agent_shut_down_cleanly()
    {
        using var dir = new TempDirectory();
        using (var agent = SqliteEventStore.Open(dir.Path))
        {
            agent.Append([SampleEvents.Event(SampleEvents.T0)]);
        }

        using var cli = SqliteEventStore.OpenReadOnly(dir.Path);
        Assert.Equal(1, cli.GetStatistics().EventCount);
    }
}
