using System.Diagnostics;
using System.Net;

namespace Atalaya.Platform.Linux.Network.Dns;

/// <summary>
/// The DNS queries this host sent and that have not been answered yet, so that only an answer to one
/// of them teaches a name: an answer nobody asked for (forged by anyone who can send UDP from port 53
/// to this host) must not rename an address an analyst then reads as trusted. Keyed as a resolver
/// matches them: the client's port, the server's address, the id, and the question's name. Bounded
/// (the oldest dropped first) and short-lived: an answer later than <see cref="Lifetime"/> is not taken.
/// </summary>
internal sealed class OutstandingQueries(int capacity = 4096)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(10);

    private readonly Dictionary<Key, long> _pending = [];
    private readonly Queue<(Key Key, long Asked)> _order = new();

    public int Count => _pending.Count;

    /// <summary>Queries forgotten unanswered to stay within the capacity.</summary>
    public long Dropped { get; private set; }

    public void Asked(int clientPort, IPAddress server, ushort id, string name, long now)
    {
        Expire(now);
        while (_pending.Count >= capacity && _order.TryDequeue(out var oldest))
        {
            if (_pending.TryGetValue(oldest.Key, out var asked) && asked == oldest.Asked && _pending.Remove(oldest.Key))
            {
                Dropped++;
            }
        }

        var key = new Key(clientPort, server, id, name);
        _pending[key] = now;
        _order.Enqueue((key, now));
    }

    /// <summary>Whether the answer matches a query still waiting; the query is answered then (a second copy is not).</summary>
    public bool TryAnswer(int clientPort, IPAddress server, ushort id, string name, long now)
    {
        Expire(now);
        return _pending.Remove(new Key(clientPort, server, id, name));
    }

    private void Expire(long now)
    {
        var lifetime = (long)(Lifetime.TotalSeconds * Stopwatch.Frequency);
        while (_order.TryPeek(out var oldest) && now - oldest.Asked > lifetime)
        {
            _order.Dequeue();
            if (_pending.TryGetValue(oldest.Key, out var asked) && asked == oldest.Asked)
            {
                _pending.Remove(oldest.Key);
            }
        }
    }

    private readonly record struct Key(int ClientPort, IPAddress Server, ushort Id, string Name);
}
