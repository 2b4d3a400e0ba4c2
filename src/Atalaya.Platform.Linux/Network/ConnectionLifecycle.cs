using Atalaya.Core.Schema;

namespace Atalaya.Platform.Linux.Network;

/// <summary>
/// The connection model every network sensor feeds: which sockets are open, since when, and what
/// they carried. Inventories (a sock_diag dump, a /proc/net read) open and close sockets by
/// difference; close notifications (the sock_diag destroy groups) close one socket with its final
/// counters; connect hints (<see cref="RecentConnectCache"/>, for the audit sensor) give owners and
/// start times to connections too short for any inventory. Each socket is opened and closed at
/// most once, whichever source reports it first. Not thread-safe: the collector serializes calls.
/// </summary>
internal sealed class ConnectionLifecycle
{
    /// <summary>How many cookies of closed sockets are remembered to drop a late duplicate close.</summary>
    public const int RecentlyClosedCapacity = 65_536;

    private readonly NetworkEventBuilder _events;
    private readonly string _sensor;
    private readonly Dictionary<SocketKey, Tracked> _tracked = [];
    private readonly Dictionary<ulong, SocketKey> _byCookie = [];
    private readonly HashSet<ulong> _recentlyClosed = [];
    private readonly Queue<ulong> _recentlyClosedOrder = new();
    private long _cycle;

    public ConnectionLifecycle(NetworkEventBuilder events, string sensor)
    {
        _events = events;
        _sensor = sensor;
    }

    /// <summary>
    /// The first inventory: everything open now, as state events. When these sockets began is
    /// unknown, so their later close carries no event.start or duration.
    /// </summary>
    public void Start(List<ObservedSocket> sockets, DateTimeOffset now, Action<EcsEvent> emit)
    {
        foreach (var socket in sockets)
        {
            if (Track(socket, firstSeen: null))
            {
                emit(_events.State(socket, now, _sensor));
            }
        }
    }

    /// <summary>
    /// A later inventory: new sockets are opened, missing ones closed. With
    /// <paramref name="closeGraceCycles"/> &gt; 0, a missing TCP socket that has a cookie waits that
    /// many cycles for its destroy notification (which brings the final byte counts) before the
    /// inventory closes it with the last counters it saw.
    /// </summary>
    public void Update(List<ObservedSocket> sockets, DateTimeOffset now, int closeGraceCycles, Action<EcsEvent> emit)
    {
        // Entries carry the number of the cycle that last saw them: no set of the cycle's keys is built.
        var cycle = ++_cycle;
        foreach (var socket in sockets)
        {
            var key = socket.Key;
            if (_tracked.TryGetValue(key, out var entry))
            {
                // Counters and state move while the socket stays the same; keep the latest.
                entry.Socket = socket;
                entry.MissingCycles = 0;
                entry.SeenCycle = cycle;
                continue;
            }

            if (socket.Row.Cookie != 0 && _recentlyClosed.Contains(socket.Row.Cookie))
            {
                continue;
            }

            Track(socket, now);
            emit(_events.Opened(socket, now, now, _sensor));
        }

        List<SocketKey>? gone = null;
        foreach (var (key, entry) in _tracked)
        {
            if (entry.SeenCycle == cycle)
            {
                continue;
            }

            if (closeGraceCycles > 0 && !key.IsUdp && key.Cookie != 0 && !entry.Socket.IsListener && entry.MissingCycles < closeGraceCycles)
            {
                entry.MissingCycles++;
                continue;
            }

            (gone ??= []).Add(key);

            // The owner recorded when the socket appeared is kept: by now the process may be gone too.
            emit(_events.Closed(entry.Socket, now, entry.FirstSeen, _sensor));
        }

        foreach (var key in gone ?? [])
        {
            Untrack(key);
        }
    }

    /// <summary>
    /// A close notification for the socket with this cookie. true when it was tracked (the close is
    /// published with the notification's final counters) or already closed (dropped as a duplicate).
    /// </summary>
    public bool TryClose(ulong cookie, SocketRow final, DateTimeOffset now, string sensor, Action<EcsEvent> emit)
    {
        if (cookie == 0)
        {
            return false;
        }

        if (_recentlyClosed.Contains(cookie))
        {
            return true;
        }

        if (!_byCookie.TryGetValue(cookie, out var key) || !_tracked.TryGetValue(key, out var entry))
        {
            return false;
        }

        var row = entry.Socket.Row with { State = final.State, Traffic = final.Traffic ?? entry.Socket.Row.Traffic };
        emit(_events.Closed(entry.Socket with { Row = row }, now, entry.FirstSeen, sensor));
        Untrack(key);
        return true;
    }

    /// <summary>A connection no inventory saw (opened and closed between two cycles).</summary>
    public void CloseUnseen(ObservedSocket socket, DateTimeOffset? start, DateTimeOffset now, bool failed, string sensor, Action<EcsEvent> emit)
    {
        RememberClosed(socket.Row.Cookie);
        var closed = _events.Closed(socket, now, start, sensor, failed);
        emit(closed with
        {
            Atalaya = closed.Atalaya! with { Network = closed.Atalaya.Network! with { Unseen = true } },
        });
    }

    private bool Track(ObservedSocket socket, DateTimeOffset? firstSeen)
    {
        var key = socket.Key;
        if (!_tracked.TryAdd(key, new Tracked(socket, firstSeen) { SeenCycle = _cycle }))
        {
            return false;
        }

        if (key.Cookie != 0)
        {
            _byCookie[key.Cookie] = key;
        }

        return true;
    }

    private void Untrack(SocketKey key)
    {
        _tracked.Remove(key);
        if (key.Cookie != 0)
        {
            _byCookie.Remove(key.Cookie);
            RememberClosed(key.Cookie);
        }
    }

    private void RememberClosed(ulong cookie)
    {
        if (cookie == 0 || !_recentlyClosed.Add(cookie))
        {
            return;
        }

        _recentlyClosedOrder.Enqueue(cookie);
        if (_recentlyClosedOrder.Count > RecentlyClosedCapacity)
        {
            _recentlyClosed.Remove(_recentlyClosedOrder.Dequeue());
        }
    }

    private sealed class Tracked(ObservedSocket socket, DateTimeOffset? firstSeen)
    {
        public ObservedSocket Socket { get; set; } = socket;

        public DateTimeOffset? FirstSeen { get; } = firstSeen;

        public int MissingCycles { get; set; }

        public long SeenCycle { get; set; }
    }
}
