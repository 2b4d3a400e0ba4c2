using System.Collections.Frozen;

namespace Atalaya.Core.Baseline;

/// <summary>The items of one baseline version: what this host normally does.</summary>
public sealed class BaselineSet
{
    private readonly FrozenSet<BaselineKey> _items;

    public BaselineSet(int version, IEnumerable<BaselineKey> items)
    {
        Version = version;
        _items = items.ToFrozenSet();
    }

    public static BaselineSet Empty { get; } = new(0, []);

    /// <summary>The version number; 0 for the empty baseline of a host that never learned.</summary>
    public int Version { get; }

    public int Count => _items.Count;

    public IReadOnlyCollection<BaselineKey> Items => _items;

    public bool Contains(BaselineKey key) => _items.Contains(key);

    /// <summary>Items in <paramref name="to"/> and not in <paramref name="from"/>, and the other way round, sorted.</summary>
    public static BaselineDiff Diff(BaselineSet from, BaselineSet to) => new(
        [.. to._items.Where(k => !from.Contains(k)).Order(KeyOrder.Instance)],
        [.. from._items.Where(k => !to.Contains(k)).Order(KeyOrder.Instance)]);

    private sealed class KeyOrder : IComparer<BaselineKey>
    {
        public static readonly KeyOrder Instance = new();

        public int Compare(BaselineKey x, BaselineKey y)
        {
            var kind = x.Kind.CompareTo(y.Kind);
            return kind != 0 ? kind : string.CompareOrdinal(x.Value, y.Value);
        }
    }
}

/// <summary>What changed between two versions.</summary>
public sealed record BaselineDiff(IReadOnlyList<BaselineKey> Added, IReadOnlyList<BaselineKey> Removed);

/// <summary>One stored version: its number, when it was made, why (learn run, rollback) and its size.</summary>
public sealed record BaselineVersion(int Number, DateTimeOffset Created, string Note, int ItemCount);
