using System.Collections.Concurrent;

namespace Atalaya.Core.Pipeline;

/// <summary>
/// Named, thread-safe counters a collector keeps about itself (events, parse errors,
/// vanished processes...), reported by <c>atalaya status</c>. Bad input is counted, never fatal.
/// </summary>
public sealed class CollectorCounters
{
    private readonly ConcurrentDictionary<string, StrongBox<long>> _counters = new(StringComparer.Ordinal);

    public void Increment(string name, long by = 1) =>
        Interlocked.Add(ref _counters.GetOrAdd(name, static _ => new StrongBox<long>()).Value, by);

    public long Get(string name) => _counters.TryGetValue(name, out var box) ? Interlocked.Read(ref box.Value) : 0;

    public IReadOnlyDictionary<string, long> Snapshot() =>
        _counters.OrderBy(kv => kv.Key, StringComparer.Ordinal)
                 .ToDictionary(kv => kv.Key, kv => Interlocked.Read(ref kv.Value.Value), StringComparer.Ordinal);

    private sealed class StrongBox<T>
    {
        public T Value = default!;
    }
}
