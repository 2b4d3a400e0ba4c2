using System.Diagnostics;

namespace Atalaya.Platform.Linux.Audit;

/// <summary>
/// Groups records by serial until the EOE record that ends a syscall event. Records without an EOE
/// (standalone records, or an event whose EOE was lost) are flushed once older than the timeout.
/// Bounded: past <c>maxPending</c> open events, the oldest is flushed early and counted.
/// Not thread-safe: one reader thread owns it. Time is a monotonic timestamp passed in, so tests
/// drive it without waiting.
/// </summary>
public sealed class AuditEventAssembler
{
    private readonly long _timeoutTicks;
    private readonly int _maxPending;
    private readonly Dictionary<ulong, Pending> _pending = [];
    private readonly Queue<(ulong Serial, long Arrived)> _order = new();

    public AuditEventAssembler(TimeSpan timeout, int maxPending = 16_384)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPending, 1);
        _timeoutTicks = (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        _maxPending = maxPending;
    }

    public int PendingCount => _pending.Count;

    /// <summary>Events flushed without their EOE (timeout or capacity).</summary>
    public long FlushedIncomplete { get; private set; }

    /// <summary>Events flushed early because too many were open.</summary>
    public long Evicted { get; private set; }

    /// <summary>Adds a record; an event it completes (EOE) is appended to <paramref name="completed"/>.</summary>
    public void Add(AuditRecord record, long timestamp, List<AuditEvent> completed)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(completed);
        if (!_pending.TryGetValue(record.Serial, out var pending))
        {
            if (record.Type == AuditMessageType.Eoe)
            {
                // An EOE for an event already flushed (or whose records were lost): nothing to close.
                return;
            }

            if (_pending.Count >= _maxPending)
            {
                EvictOldest(completed);
            }

            pending = new Pending();
            _pending.Add(record.Serial, pending);
            _order.Enqueue((record.Serial, timestamp));
        }

        if (record.Type == AuditMessageType.Eoe)
        {
            _pending.Remove(record.Serial);
            completed.Add(new AuditEvent(record.Serial, pending.Records, complete: true));
            return;
        }

        pending.Records.Add(record);
    }

    /// <summary>Flushes the events older than the timeout.</summary>
    public void FlushExpired(long timestamp, List<AuditEvent> completed)
    {
        while (_order.TryPeek(out var head))
        {
            if (!_pending.ContainsKey(head.Serial))
            {
                _order.Dequeue();
                continue;
            }

            if (timestamp - head.Arrived < _timeoutTicks)
            {
                break;
            }

            _order.Dequeue();
            FlushIncomplete(head.Serial, completed);
        }
    }

    /// <summary>Flushes everything still open (shutdown).</summary>
    public void FlushAll(List<AuditEvent> completed)
    {
        while (_order.TryDequeue(out var head))
        {
            if (_pending.ContainsKey(head.Serial))
            {
                FlushIncomplete(head.Serial, completed);
            }
        }
    }

    private void EvictOldest(List<AuditEvent> completed)
    {
        while (_order.TryDequeue(out var head))
        {
            if (_pending.ContainsKey(head.Serial))
            {
                Evicted++;
                FlushIncomplete(head.Serial, completed);
                return;
            }
        }
    }

    private void FlushIncomplete(ulong serial, List<AuditEvent> completed)
    {
        if (_pending.Remove(serial, out var pending))
        {
            FlushedIncomplete++;
            completed.Add(new AuditEvent(serial, pending.Records, complete: false));
        }
    }

    private sealed class Pending
    {
        public List<AuditRecord> Records { get; } = new(8);
    }
}
