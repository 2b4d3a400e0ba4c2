namespace Atalaya.Core.Analytics;

/// <summary>
/// Per-entity state with a hard cap: when full, the least recently touched entry is evicted and
/// counted. Analytics keep state here so a host with a million short-lived processes cannot grow
/// the agent without bound. Not thread-safe: the engine calls analytics from one thread.
/// </summary>
public sealed class BoundedEntityMap<TKey, TValue>
    where TKey : notnull
{
    private readonly Dictionary<TKey, LinkedListNode<(TKey Key, TValue Value)>> _index;
    private readonly LinkedList<(TKey Key, TValue Value)> _recency = new();

    public BoundedEntityMap(int capacity, IEqualityComparer<TKey>? comparer = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _index = new Dictionary<TKey, LinkedListNode<(TKey, TValue)>>(comparer);
    }

    public int Capacity { get; }

    public int Count => _index.Count;

    public long Evictions { get; private set; }

    public bool TryGetValue(TKey key, out TValue value)
    {
        if (_index.TryGetValue(key, out var node))
        {
            Touch(node);
            value = node.Value.Value;
            return true;
        }

        value = default!;
        return false;
    }

    public void Set(TKey key, TValue value)
    {
        if (_index.TryGetValue(key, out var node))
        {
            node.Value = (key, value);
            Touch(node);
            return;
        }

        if (_index.Count >= Capacity)
        {
            var oldest = _recency.Last!;
            _recency.RemoveLast();
            _index.Remove(oldest.Value.Key);
            Evictions++;
        }

        _index[key] = _recency.AddFirst((key, value));
    }

    public bool Remove(TKey key)
    {
        if (!_index.Remove(key, out var node))
        {
            return false;
        }

        _recency.Remove(node);
        return true;
    }

    public IEnumerable<TValue> Values => _recency.Select(n => n.Value);

    private void Touch(LinkedListNode<(TKey Key, TValue Value)> node)
    {
        if (node != _recency.First)
        {
            _recency.Remove(node);
            _recency.AddFirst(node);
        }
    }
}
