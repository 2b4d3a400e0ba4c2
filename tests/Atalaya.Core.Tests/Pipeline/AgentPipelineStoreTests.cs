using Atalaya.Core.Analytics;
using Atalaya.Core.Detection;
using Atalaya.Core.Enrichment;
using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;
using Atalaya.Core.Scoring;
using Atalaya.Core.Storage;

namespace Atalaya.Core.Tests.Pipeline;

/// <summary>The store writer of the real pipeline, on a clock whose timers never fire.</summary>
public sealed class AgentPipelineStoreTests
{
    [Fact]
    public async Task An_alert_reaches_the_store_without_waiting_for_the_flush_interval()
    {
        // The flush interval never elapses on this clock: before the fix, the event and its alert sat in
        // the writer's batch until shutdown. Now the batch is written as soon as an alert is in it.
        var store = new RecordingStore();
        var collector = new OneEventCollector(SampleEvents.Process("/tmp/.x/miner", deleted: true, kind: EventKinds.Event));
        var engine = new DetectionEngine([new ExecutionPathAnalytic()], new RiskScorer(), TimeProvider.System);
        var pipeline = new AgentPipeline([collector], engine, new ProcessTableEnricher(), store,
            new PipelineOptions { StoreFlushInterval = TimeSpan.FromHours(1) }, new FrozenTime(), "test");
        using var stop = new CancellationTokenSource();
        var run = pipeline.RunAsync(stop.Token);

        var written = await Task.Run(() =>
        {
            // Bounded: 200 polls of 25 ms; the alert is normally there after the first.
            for (var i = 0; i < 200 && !store.HasAlert; i++)
            {
                Thread.Sleep(25);
            }

            return store.HasAlert;
        });

        await stop.CancelAsync();
        await run;
        Assert.True(written, "the alert was not written before shutdown");
        Assert.Contains(store.Batches.SelectMany(b => b), e => e.Event.Kind == EventKinds.Event);
    }

    private sealed class OneEventCollector(EcsEvent value) : IEventCollector
    {
        public string Name => "process";

        public string Sensor => "test";

        public CollectorCounters Counters { get; } = new();

        public async Task RunAsync(IEventPublisher output, CancellationToken cancellationToken)
        {
            output.Publish(value);
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <summary>Wall time stands still and no timer ever fires.</summary>
    private sealed class FrozenTime : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(2026, 11, 22, 6, 0, 0, TimeSpan.Zero);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => new NeverTimer();

        private sealed class NeverTimer : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }

    private sealed class RecordingStore : IEventStore
    {
        private readonly Lock _gate = new();
        private readonly List<IReadOnlyList<EcsEvent>> _batches = [];

        public bool HasAlert
        {
            get
            {
                lock (_gate)
                {
                    return _batches.Any(b => b.Any(e => e.Event.Kind == EventKinds.Alert));
                }
            }
        }

        public IReadOnlyList<IReadOnlyList<EcsEvent>> Batches
        {
            get
            {
                lock (_gate)
                {
                    return [.. _batches];
                }
            }
        }

        public void Append(IReadOnlyList<EcsEvent> batch)
        {
            lock (_gate)
            {
                _batches.Add([.. batch]);
            }
        }

        public IReadOnlyList<EcsEvent> QueryAlerts(AlertQuery query) => [];

        public IReadOnlyList<EcsEvent> QueryEvents(EventQuery query) => [];

        public void SaveStatus(AgentStatus status)
        {
        }

        public AgentStatus? LoadStatus() => null;

        public StoreStatistics GetStatistics() => new(0, 0, 0, 0);

        public long DeleteEventsBefore(DateTimeOffset cutoff) => 0;

        public void Dispose()
        {
        }
    }
}
