namespace Atalaya.Core.Analytics.Network;

/// <summary>
/// Distinct values seen within a time window, with a hard cap on what is remembered. Used by the
/// scan analytics: "how many ports did this source touch in the last minute".
/// </summary>
internal sealed class SlidingDistinctCounter<T>(TimeSpan window, int capacity)
    where T : notnull
{
    private readonly Dictionary<T, DateTimeOffset> _lastSeen = [];
    private readonly Queue<(T Value, DateTimeOffset At)> _order = new();

    public bool Reported { get; set; }

    public int Add(T value, DateTimeOffset at)
    {
        _lastSeen[value] = at;
        _order.Enqueue((value, at));
        while (_order.TryPeek(out var oldest) && (at - oldest.At > window || _order.Count > capacity))
        {
            _order.Dequeue();

            // Only forget the value if this was its latest sighting.
            if (_lastSeen.TryGetValue(oldest.Value, out var last) && last == oldest.At)
            {
                _lastSeen.Remove(oldest.Value);
            }
        }

        return _lastSeen.Count;
    }

    public int Count => _lastSeen.Count;
}
