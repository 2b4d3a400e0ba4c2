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

    [Fact]
    public void Bounded_map_keeps_exact_lru_order_under_random_churn()
    {
        // Reference model: a list, most recent first.
        var map = new BoundedEntityMap<int, int>(50);
        var model = new List<(int Key, int Value)>();
        var random = new Random(11);
        long evictions = 0;
        for (var step = 0; step < 20_000; step++)
        {
            var key = random.Next(0, 120);
            switch (random.Next(4))
            {
                case 0:
                    var found = map.TryGetValue(key, out var value);
                    var at = model.FindIndex(e => e.Key == key);
                    Assert.Equal(at >= 0, found);
                    if (at >= 0)
                    {
                        Assert.Equal(model[at].Value, value);
                        var entry = model[at];
                        model.RemoveAt(at);
                        model.Insert(0, entry);
                    }

                    break;
                case 1:
                    Assert.Equal(model.RemoveAll(e => e.Key == key) > 0, map.Remove(key));
                    break;
                case 2 when model.Count > 0 && random.Next(8) == 0:
                    Assert.True(map.TryEvictOldest(out var oldest));
                    Assert.Equal(model[^1].Value, oldest);
                    model.RemoveAt(model.Count - 1);
                    evictions++;
                    break;
                default:
                    var existing = model.FindIndex(e => e.Key == key);
                    if (existing >= 0)
                    {
                        model.RemoveAt(existing);
                    }
                    else if (model.Count == 50)
                    {
                        model.RemoveAt(49);
                        evictions++;
                    }

                    model.Insert(0, (key, step));
                    map.Set(key, step);
                    break;
            }

            Assert.Equal(model.Count, map.Count);
        }

        Assert.Equal(model.Select(e => e.Value), map.Values);
        Assert.Equal(evictions, map.Evictions);
        Assert.True(evictions > 100);
    }

    [Fact]
    public void Bounded_map_values_refuse_changes_during_enumeration()
    {
        var map = new BoundedEntityMap<int, string>(4);
        map.Set(1, "a");
        map.Set(2, "b");
        Assert.Throws<InvalidOperationException>(() =>
        {
            foreach (var value in map.Values)
            {
                map.Set(3, value);
            }
        });
    }
}
