using System.Net;

namespace Atalaya.Platform.Linux.Network;

/// <summary>
/// Owners and start times of recent connects and accepts, reported by a sensor that sees the
/// syscall (the audit sensor), for connections that close before any inventory sees them: their
/// destroy notification has no inode and so no owner. Keyed by transport and remote end (what a
/// connect() sockaddr or an accept() peer gives); the local port is matched when the reporter knew
/// it. Bounded by count and age. Thread-safe: the reporting sensor runs on its own thread.
/// </summary>
internal sealed class RecentConnectCache
{
    private readonly int _capacity;
    private readonly TimeSpan _maximumAge;
    private readonly Lock _gate = new();
    private readonly Dictionary<(bool Udp, IPAddress Remote, int RemotePort), List<Hint>> _byRemote = [];
    private readonly Queue<(bool, IPAddress, int)> _order = new();

    public RecentConnectCache(int capacity = 16_384, TimeSpan? maximumAge = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _maximumAge = maximumAge ?? TimeSpan.FromMinutes(2);
    }

    public int Count { get; private set; }

    /// <summary>
    /// Whether a syscall sensor is feeding the cache now: only then is a close worth holding for a
    /// hint that has not arrived yet (audit's record can trail the socket's destroy notification).
    /// </summary>
    public bool FeederActive { get; set; }

    /// <summary>Raised after each <see cref="Record"/>, outside the cache's lock, on the feeder's thread.</summary>
    public event Action? Recorded;

    /// <summary>A process connected to (or accepted from) <paramref name="remote"/>:<paramref name="remotePort"/>.</summary>
    public void Record(bool udp, IPAddress remote, int remotePort, int? localPort, OwnerProcess owner, DateTimeOffset at)
    {
        remote = SocketAddresses.ForReport(remote);
        lock (_gate)
        {
            var key = (udp, remote, remotePort);
            if (!_byRemote.TryGetValue(key, out var hints))
            {
                _byRemote[key] = hints = [];
            }

            hints.Add(new Hint(localPort, owner, at));
            _order.Enqueue(key);
            Count++;
            while ((Count > _capacity || _order.Count > 2 * _capacity) && _order.TryDequeue(out var oldest))
            {
                if (Count > _capacity && _byRemote.TryGetValue(oldest, out var list) && list.Count > 0)
                {
                    list.RemoveAt(0);
                    Count--;
                    if (list.Count == 0)
                    {
                        _byRemote.Remove(oldest);
                    }
                }
            }
        }

        Recorded?.Invoke();
    }

    /// <summary>
    /// Takes the most recent hint for this connection (exact local port first, then one without a
    /// local port), no older than the maximum age at <paramref name="now"/>.
    /// </summary>
    public bool TryTake(bool udp, IPAddress remote, int remotePort, int localPort, DateTimeOffset now, out OwnerProcess owner, out DateTimeOffset start)
    {
        remote = SocketAddresses.ForReport(remote);
        owner = null!;
        start = default;
        lock (_gate)
        {
            if (!_byRemote.TryGetValue((udp, remote, remotePort), out var hints))
            {
                return false;
            }

            var index = -1;
            for (var i = hints.Count - 1; i >= 0; i--)
            {
                if (now - hints[i].At > _maximumAge)
                {
                    break;
                }

                if (hints[i].LocalPort == localPort)
                {
                    index = i;
                    break;
                }

                if (index < 0 && hints[i].LocalPort is null)
                {
                    index = i;
                }
            }

            if (index < 0)
            {
                return false;
            }

            (_, owner, start) = hints[index];
            hints.RemoveAt(index);
            Count--;
            return true;
        }
    }

    private readonly record struct Hint(int? LocalPort, OwnerProcess Owner, DateTimeOffset At);
}
