using System.Threading.Channels;
using Atalaya.Core.Schema;

namespace Atalaya.Core.Pipeline;

/// <summary>
/// A bounded queue between pipeline stages that never blocks a producer and never loses an event
/// silently. When full, an incoming low-value event (state snapshots, metrics, connection
/// bookkeeping) is dropped; a high-value one (process starts, alerts) displaces the oldest queued
/// event instead. Both are counted.
/// </summary>
public sealed class EventQueue : IEventPublisher
{
    private readonly Channel<EcsEvent> _channel;
    private long _published;
    private long _dropped;

    public EventQueue(int capacity)
    {
        Capacity = capacity;
        _channel = Channel.CreateBounded<EcsEvent>(
            new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => Interlocked.Increment(ref _dropped));
    }

    public int Capacity { get; }

    public long Published => Interlocked.Read(ref _published);

    public long Dropped => Interlocked.Read(ref _dropped);

    public int Count => _channel.Reader.Count;

    public ChannelReader<EcsEvent> Reader => _channel.Reader;

    public void Publish(EcsEvent value)
    {
        if (_channel.Reader.Count >= Capacity && IsLowValue(value))
        {
            Interlocked.Increment(ref _dropped);
            return;
        }

        if (_channel.Writer.TryWrite(value))
        {
            Interlocked.Increment(ref _published);
        }
        else
        {
            // Only after Complete(): a late event from a collector that is shutting down.
            Interlocked.Increment(ref _dropped);
        }
    }

    public void Complete() => _channel.Writer.TryComplete();

    private static bool IsLowValue(EcsEvent value) =>
        value.Event.Kind is EventKinds.State or EventKinds.Metric
        || (value.Event.Kind == EventKinds.Event && value.Event.Category.Contains(EventCategories.Network)
            && value.Event.Type.Contains(EventTypes.End));
}
