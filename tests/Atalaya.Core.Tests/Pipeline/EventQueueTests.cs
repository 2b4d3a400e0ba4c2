using Atalaya.Core.Analytics;
using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;

namespace Atalaya.Core.Tests.Pipeline;

public sealed class EventQueueTests
{
    [Fact]
    public void A_full_queue_drops_low_value_events_first_and_counts_everything()
    {
        var queue = new EventQueue(capacity: 2);
        var start = SampleEvents.Process("/usr/bin/a", kind: EventKinds.Event, type: EventTypes.Start);
        queue.Publish(start);
        queue.Publish(start);
        queue.Publish(SampleEvents.Process("/usr/bin/state")); // state: dropped itself
        Assert.Equal(1, queue.Dropped);

        var newest = SampleEvents.Process("/usr/bin/newest", kind: EventKinds.Event, type: EventTypes.Start);
        queue.Publish(newest); // a start displaces the oldest
        Assert.Equal(2, queue.Dropped);
        Assert.Equal(2, queue.Count);
        Assert.True(queue.Reader.TryRead(out _));
        Assert.True(queue.Reader.TryRead(out var last));
        Assert.Same(newest, last);
    }

    [Fact]
    public void Publishing_after_completion_counts_a_drop()
    {
        var queue = new EventQueue(4);
        queue.Complete();
        queue.Publish(SampleEvents.Process("/usr/bin/a"));
        Assert.Equal(1, queue.Dropped);
        Assert.Equal(0, queue.Published);
    }

    [Fact]
    public void Bounded_map_evicts_the_least_recently_used()
    {
        var map = new BoundedEntityMap<int, string>(2);
        map.Set(1, "a");
        map.Set(2, "b");
        Assert.True(map.TryGetValue(1, out _)); // 1 is now the most recent
        map.Set(3, "c");
        Assert.False(map.TryGetValue(2, out _));
        Assert.True(map.TryGetValue(1, out var one));
        Assert.Equal("a", one);
        Assert.Equal(1, map.Evictions);
    }
}
