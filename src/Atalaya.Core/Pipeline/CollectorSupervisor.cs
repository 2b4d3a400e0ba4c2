namespace Atalaya.Core.Pipeline;

/// <summary>
/// Runs each collector on its own task. An exception is recorded and the collector restarts after
/// an exponential backoff (1 s doubling to 60 s, reset after a minute of healthy running); one
/// broken source never stops the others.
/// </summary>
public sealed class CollectorSupervisor
{
    private static readonly TimeSpan InitialBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaximumBackoff = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan HealthyRun = TimeSpan.FromSeconds(60);

    private readonly IReadOnlyList<IEventCollector> _collectors;
    private readonly TimeProvider _time;
    private readonly Action<string>? _log;
    private readonly Dictionary<IEventCollector, MutableHealth> _health = [];

    public CollectorSupervisor(IReadOnlyList<IEventCollector> collectors, TimeProvider time, Action<string>? log = null)
    {
        _collectors = collectors;
        _time = time;
        _log = log;
        foreach (var collector in collectors)
        {
            _health[collector] = new MutableHealth();
        }
    }

    public Task RunAsync(IEventPublisher output, CancellationToken cancellationToken) =>
        Task.WhenAll(_collectors.Select(c => Task.Run(() => SuperviseAsync(c, output, cancellationToken), CancellationToken.None)));

    public IReadOnlyList<CollectorHealth> Snapshot()
    {
        lock (_health)
        {
            return _collectors.Select(c =>
            {
                var h = _health[c];
                return new CollectorHealth
                {
                    Name = c.Name,
                    Sensor = c.Sensor,
                    State = h.State,
                    Restarts = h.Restarts,
                    LastError = h.LastError,
                    LastErrorAt = h.LastErrorAt,
                    Counters = c.Counters.Snapshot(),
                };
            }).ToList();
        }
    }

    private async Task SuperviseAsync(IEventCollector collector, IEventPublisher output, CancellationToken cancellationToken)
    {
        var backoff = InitialBackoff;
        while (!cancellationToken.IsCancellationRequested)
        {
            var started = _time.GetTimestamp();
            SetState(collector, "running");
            try
            {
                await collector.RunAsync(output, cancellationToken).ConfigureAwait(false);
                if (cancellationToken.IsCancellationRequested)
                {
                    break;
                }

                Record(collector, "the collector returned without being asked to stop");
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                Record(collector, $"{ex.GetType().Name}: {ex.Message}");
            }

            if (_time.GetElapsedTime(started) >= HealthyRun)
            {
                backoff = InitialBackoff;
            }

            SetState(collector, "backoff");
            _log?.Invoke($"collector {collector.Name} failed; restarting in {backoff.TotalSeconds:0} s");
            try
            {
                await Task.Delay(backoff, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaximumBackoff.Ticks));
            lock (_health)
            {
                _health[collector].Restarts++;
            }
        }

        SetState(collector, "stopped");
    }

    private void SetState(IEventCollector collector, string state)
    {
        lock (_health)
        {
            _health[collector].State = state;
        }
    }

    private void Record(IEventCollector collector, string error)
    {
        lock (_health)
        {
            var h = _health[collector];
            h.LastError = error;
            h.LastErrorAt = _time.GetUtcNow();
        }
    }

    private sealed class MutableHealth
    {
        public string State { get; set; } = "starting";

        public int Restarts { get; set; }

        public string? LastError { get; set; }

        public DateTimeOffset? LastErrorAt { get; set; }
    }
}
