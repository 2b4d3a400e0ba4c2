using System.Collections.Concurrent;
using Atalaya.Core.Storage;
using Atalaya.TestKit;

namespace Atalaya.Storage.Tests;

public sealed class ConcurrencyTests
{
    [Fact]
    public async Task Readers_never_fail_while_the_writer_appends()
    {
        using var dir = new TempDirectory();
        using var agent = SqliteEventStore.Open(dir.Path);
        agent.Append([SampleEvents.Event(SampleEvents.T0)]);
        using var cli = SqliteEventStore.OpenReadOnly(dir.Path); // the other-process reader's path

        const int Batches = 200;
        const int BatchSize = 50;
        var errors = new ConcurrentQueue<Exception>();
        var writing = 1;

        var writer = Task.Run(() =>
        {
            try
            {
                for (var i = 0; i < Batches; i++)
                {
                    var batch = SampleEvents.Events(BatchSize, SampleEvents.T0.AddSeconds(i + 1), pid: i);
                    batch.Add(SampleEvents.Alert(SampleEvents.T0.AddSeconds(i), $"alert-{i % 10}", i % 100));
                    agent.Append(batch);
                    if (i % 20 == 0)
                    {
                        agent.DeleteEventsBefore(SampleEvents.T0.AddSeconds(i / 2));
                    }
                }
            }
            catch (Exception exception)
            {
                errors.Enqueue(exception);
            }
            finally
            {
                Volatile.Write(ref writing, 0);
            }
        });

        Task Reader(SqliteEventStore store) => Task.Run(() =>
        {
            // Bounded: stops with the writer, or after this many rounds if the writer is slow.
            for (var round = 0; round < 5000 && Volatile.Read(ref writing) == 1; round++)
            {
                try
                {
                    var events = store.QueryEvents(new EventQuery(Limit: 100));
                    Assert.True(events.Count <= 100);
                    store.QueryEvents(new EventQuery(Pid: round % Batches, Category: "process"));
                    var alerts = store.QueryAlerts(new AlertQuery(MinimumScore: 10));
                    Assert.True(alerts.Count <= 10);
                    store.GetStatistics();
                }
                catch (Exception exception)
                {
                    errors.Enqueue(exception);
                    return;
                }
            }
        });

        await Task.WhenAll(writer, Reader(agent), Reader(cli));

        Assert.Empty(errors);
        Assert.Equal(10, agent.GetStatistics().AlertCount);
        Assert.Equal(0, cli.UnreadableRows);
        Assert.Equal(0, agent.UnreadableRows);
    }
}
