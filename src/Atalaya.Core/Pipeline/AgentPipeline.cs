using System.Threading.Channels;
using Atalaya.Core.Detection;
using Atalaya.Core.Enrichment;
using Atalaya.Core.Schema;
using Atalaya.Core.Storage;

namespace Atalaya.Core.Pipeline;

/// <summary>
/// collectors → (bounded queue) → enrich + detect + score → (bounded queue) → store.
/// <see cref="RunAsync"/> returns after a graceful shutdown: collectors are stopped first, then
/// everything already queued is processed and flushed, and a final status is saved.
/// </summary>
public sealed class AgentPipeline
{
    /// <summary>Rules listed in status as the worst run-time offenders.</summary>
    public const int MaxRuleFailuresShown = 10;

    private readonly CollectorSupervisor _supervisor;
    private readonly DetectionEngine _engine;
    private readonly ProcessTableEnricher _enricher;
    private readonly IEventStore _store;
    private readonly PipelineOptions _options;
    private readonly TimeProvider _time;
    private readonly Action<string>? _log;
    private readonly EventQueue _input;
    private readonly EventQueue _toStore;
    private readonly string _version;
    private DateTimeOffset _startedAt;
    private long _processed;
    private long _stored;
    private long _storeErrors;
    private long _lost;
    private string? _lastStoreError;
    private string _state = "starting";

    public AgentPipeline(
        IReadOnlyList<IEventCollector> collectors,
        DetectionEngine engine,
        ProcessTableEnricher enricher,
        IEventStore store,
        PipelineOptions options,
        TimeProvider time,
        string version,
        Action<string>? log = null)
    {
        _supervisor = new CollectorSupervisor(collectors, time, log);
        _engine = engine;
        _enricher = enricher;
        _store = store;
        _options = options;
        _time = time;
        _version = version;
        _log = log;
        _input = new EventQueue(options.InputCapacity);
        _toStore = new EventQueue(options.StoreCapacity);
    }

    /// <summary>Events lost after every retry because the store refused them.</summary>
    public long EventsLost => Interlocked.Read(ref _lost);

    public async Task RunAsync(CancellationToken stopRequested)
    {
        _startedAt = _time.GetUtcNow();
        _state = "running";
        using var collectorsStop = CancellationTokenSource.CreateLinkedTokenSource(stopRequested);
        var processor = Task.Run(ProcessAsync, CancellationToken.None);
        var writer = Task.Run(WriteAsync, CancellationToken.None);
        var collectors = _supervisor.RunAsync(_input, collectorsStop.Token);
        var status = Task.Run(() => SaveStatusLoopAsync(stopRequested), CancellationToken.None);

        try
        {
            await Task.Delay(Timeout.Infinite, stopRequested).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _state = "stopping";
        await collectors.ConfigureAwait(false);
        _input.Complete();
        await processor.ConfigureAwait(false);
        _toStore.Complete();
        await writer.ConfigureAwait(false);
        await status.ConfigureAwait(false);
        _state = "stopped";
        TrySaveStatus();
    }

    public AgentStatus GetStatus() => new()
    {
        Pid = Environment.ProcessId,
        Version = _version,
        StartedAt = _startedAt,
        UpdatedAt = _time.GetUtcNow(),
        State = _state,
        Collectors = _supervisor.Snapshot(),
        EventsPublished = _input.Published,
        EventsDropped = _input.Dropped + _toStore.Dropped,
        EventsProcessed = Interlocked.Read(ref _processed),
        EventsStored = Interlocked.Read(ref _stored),
        AlertsRaised = _engine.AlertsRaised,
        AnalyticFailures = new Dictionary<string, long>(_engine.AnalyticFailures, StringComparer.Ordinal),
        RuleFailures = [.. _engine.Analytics.OfType<Detection.Sigma.SigmaAnalytic>().SelectMany(s => s.TopFailures(MaxRuleFailuresShown))
            .OrderByDescending(f => f.Total).ThenBy(f => f.RuleId, StringComparer.Ordinal).Take(MaxRuleFailuresShown)],
        StoreErrors = Interlocked.Read(ref _storeErrors),
        LastStoreError = _lastStoreError,
    };

    private async Task ProcessAsync()
    {
        var alerts = new List<EcsEvent>();
        await foreach (var value in _input.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            var enriched = _enricher.Enrich(value);
            alerts.Clear();
            _engine.Process(enriched, alerts);
            Interlocked.Increment(ref _processed);
            if (_options.ShouldStore(enriched))
            {
                _toStore.Publish(enriched);
            }

            foreach (var alert in alerts)
            {
                _toStore.Publish(alert);
                _log?.Invoke($"ALERT {alert.Atalaya?.Severity} {alert.Event.RiskScore}: {alert.Atalaya?.Summary}");
            }
        }
    }

    private async Task WriteAsync()
    {
        var batch = new List<EcsEvent>(_options.StoreBatchSize);
        var reader = _toStore.Reader;
        var lastRetention = DateTimeOffset.MinValue;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            // Fill a batch, giving stragglers one flush interval to arrive so the store sees few, large
            // transactions; but an alert is written with what has arrived so far, at once: the CLI, the
            // dashboard and incidents read alerts from the store, and the wait cost them 130-250 ms.
            using (var flush = new CancellationTokenSource(_options.StoreFlushInterval, _time))
            {
                try
                {
                    var alert = false;
                    while (batch.Count < _options.StoreBatchSize)
                    {
                        while (batch.Count < _options.StoreBatchSize && reader.TryRead(out var item))
                        {
                            batch.Add(item);
                            alert |= item.Event.Kind == EventKinds.Alert;
                        }

                        if (alert || batch.Count >= _options.StoreBatchSize || !await reader.WaitToReadAsync(flush.Token).ConfigureAwait(false))
                        {
                            break;
                        }
                    }
                }
                catch (OperationCanceledException)
                {
                }
            }

            await WriteBatchAsync(batch).ConfigureAwait(false);
            batch.Clear();

            var now = _time.GetUtcNow();
            if (now - lastRetention > TimeSpan.FromHours(1))
            {
                lastRetention = now;
                try
                {
                    _store.DeleteEventsBefore(now - _options.Retention);
                }
                catch (Exception ex)
                {
                    NoteStoreError(ex);
                }
            }
        }
    }

    private async Task WriteBatchAsync(List<EcsEvent> batch)
    {
        if (batch.Count == 0)
        {
            return;
        }

        for (var attempt = 0; ; attempt++)
        {
            try
            {
                _store.Append(batch);
                Interlocked.Add(ref _stored, batch.Count);
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                NoteStoreError(ex);
                if (attempt >= _options.StoreRetries)
                {
                    Interlocked.Add(ref _lost, batch.Count);
                    _log?.Invoke($"store refused a batch {attempt + 1} times; {batch.Count} events lost: {ex.Message}");
                    return;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(200 << Math.Min(attempt, 5)), _time).ConfigureAwait(false);
            }
        }
    }

    private void NoteStoreError(Exception ex)
    {
        Interlocked.Increment(ref _storeErrors);
        _lastStoreError = ex.Message;
    }

    private async Task SaveStatusLoopAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(_options.StatusInterval, _time);
        try
        {
            do
            {
                TrySaveStatus();
            }
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void TrySaveStatus()
    {
        try
        {
            _store.SaveStatus(GetStatus());
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            NoteStoreError(ex);
        }
    }
}
