namespace Atalaya.Core.Analytics;

/// <summary>
/// Per-entity state with a hard cap: when full, the least recently touched entry is evicted and
/// counted. Analytics keep state here so a host with a million short-lived processes cannot grow
/// the agent without bound. Not thread-safe: the engine calls analytics from one thread.
/// The recency list is intrusive over one array of slots (indices, not nodes): a touch rewrites
/// four integers and an insert reuses the evicted slot, so a full map churns without allocating.
/// </summary>
public sealed class BoundedEntityMap<TKey, TValue>
    where TKey : notnull
{
    private const int None = -1;

    private readonly Dictionary<TKey, int> _index;
    private Slot[] _slots;
    private int _head = None; // most recent
    private int _tail = None; // least recent
    private int _free = None; // free list through Next
    private int _used;
    private int _version;

    public BoundedEntityMap(int capacity, IEqualityComparer<TKey>? comparer = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _index = new Dictionary<TKey, int>(comparer);
        // Grown on demand up to the capacity: a large cap costs nothing until it is used.
        _slots = new Slot[Math.Min(capacity, 16)];
    }

    public int Capacity { get; }

    public int Count => _index.Count;

    public long Evictions { get; private set; }

    public bool TryGetValue(TKey key, out TValue value)
    {
        if (_index.TryGetValue(key, out var slot))
        {
            Touch(slot);
            value = _slots[slot].Value;
            return true;
        }

        value = default!;
        return false;
    }

    public void Set(TKey key, TValue value)
    {
        if (_index.TryGetValue(key, out var slot))
        {
            _slots[slot].Value = value;
            Touch(slot);
            return;
        }

        if (_index.Count >= Capacity)
        {
            TryEvictOldest(out _);
        }

        slot = Allocate();
        _slots[slot] = new Slot { Key = key, Value = value, Previous = None, Next = None };
        LinkFirst(slot);
        _index[key] = slot;
    }

    /// <summary>
    /// Evicts (and counts) the least recently touched entry; its value comes back so the caller can
    /// reuse its buffers. For callers that make room themselves before <see cref="Set"/>.
    /// </summary>
    public bool TryEvictOldest(out TValue evicted)
    {
        if (_tail == None)
        {
            evicted = default!;
            return false;
        }

        var oldest = _tail;
        evicted = _slots[oldest].Value;
        _index.Remove(_slots[oldest].Key);
        Release(oldest);
        Evictions++;
        return true;
    }

    public bool Remove(TKey key)
    {
        if (!_index.Remove(key, out var slot))
        {
            return false;
        }

        Release(slot);
        return true;
    }

    /// <summary>Most recently touched first. The map must not change while this is enumerated.</summary>
    public IEnumerable<TValue> Values
    {
        get
        {
            var version = _version;
            for (var slot = _head; slot != None; slot = _slots[slot].Next)
            {
                yield return _slots[slot].Value;
                if (version != _version)
                {
                    throw new InvalidOperationException("the map changed during enumeration");
                }
            }
        }
    }

    private int Allocate()
    {
        if (_free != None)
        {
            var reused = _free;
            _free = _slots[reused].Next;
            return reused;
        }

        if (_used == _slots.Length)
        {
            Array.Resize(ref _slots, (int)Math.Min(Capacity, Math.Max(16L, _slots.Length * 2L)));
        }

        return _used++;
    }

    private void Release(int slot)
    {
        Unlink(slot);
        _slots[slot] = new Slot { Previous = None, Next = _free };
        _free = slot;
    }

    private void Touch(int slot)
    {
        if (slot != _head)
        {
            Unlink(slot);
            LinkFirst(slot);
        }
    }

    private void LinkFirst(int slot)
    {
        _version++;
        _slots[slot].Previous = None;
        _slots[slot].Next = _head;
        if (_head != None)
        {
            _slots[_head].Previous = slot;
        }

        _head = slot;
        if (_tail == None)
        {
            _tail = slot;
        }
    }

    private void Unlink(int slot)
    {
        _version++;
        var previous = _slots[slot].Previous;
        var next = _slots[slot].Next;
        if (previous != None)
        {
            _slots[previous].Next = next;
        }
        else
        {
            _head = next;
        }

        if (next != None)
        {
            _slots[next].Previous = previous;
        }
        else
        {
            _tail = previous;
        }
    }

    private struct Slot
    {
        public TKey Key;
        public TValue Value;
        public int Previous;
        public int Next;
    }
}
