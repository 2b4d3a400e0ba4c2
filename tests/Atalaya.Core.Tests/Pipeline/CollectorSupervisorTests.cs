using System.Collections.Concurrent;
using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;
using Atalaya.TestKit;

namespace Atalaya.Core.Tests.Pipeline;

public sealed class CollectorSupervisorTests
{
    [Fact]
    public async Task A_failing_collector_restarts_and_never_stops_the_others()
    {
        var broken = new FailingOnceCollector();
        var healthy = new TickingCollector();
        var supervisor = new CollectorSupervisor([broken, healthy], TimeProvider.System);
        var output = new ListPublisher();
        using var stop = new CancellationTokenSource();

        var run = supervisor.RunAsync(output, stop.Token);
        var health = await Eventually.WaitForAsync(supervisor.Snapshot, h => h[0].Restarts >= 1 && broken.Runs >= 2, attempts: 100);
        await stop.CancelAsync();
        await run;

        Assert.Equal(1, health[0].Restarts);
        Assert.Contains("InvalidOperationException: the device went away", health[0].LastError, StringComparison.Ordinal);
        Assert.Equal(0, health[1].Restarts);
        Assert.True(healthy.Ticks > 0);
        Assert.All(supervisor.Snapshot(), h => Assert.Equal("stopped", h.State));
        Assert.Equal(1, broken.Counters.Get("runs_failed"));
    }

    private sealed class FailingOnceCollector : IEventCollector
    {
        public int Runs;

        public string Name => "broken";

        public string Sensor => "test";

        public CollectorCounters Counters { get; } = new();

        public async Task RunAsync(IEventPublisher output, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref Runs) == 1)
            {
                Counters.Increment("runs_failed");
                throw new InvalidOperationException("the device went away");
            }

            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
    }

    private sealed class TickingCollector : IEventCollector
    {
        public int Ticks;

        public string Name => "healthy";

        public string Sensor => "test";

        public CollectorCounters Counters { get; } = new();

        public async Task RunAsync(IEventPublisher output, CancellationToken cancellationToken)
        {
            while (true)
            {
                Interlocked.Increment(ref Ticks);
                output.Publish(SampleEvents.Process("/usr/bin/tick"));
                await Task.Delay(20, cancellationToken);
            }
        }
    }

    private sealed class ListPublisher : IEventPublisher
    {
        public ConcurrentQueue<EcsEvent> Events { get; } = new();

        public void Publish(EcsEvent value) => Events.Enqueue(value);
    }
}
