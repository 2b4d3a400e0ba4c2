using System.Net;
using Atalaya.Core.Schema;

namespace Atalaya.Platform.Linux.Network;

/// <summary>
/// Inbound TCP handshakes the kernel holds half-open (SYN_RECV / NEW_SYN_RECV request sockets), from
/// the inventory rows: each new one becomes a <c>connection-attempt</c> event, once, so the inbound
/// scan analytic can count failed or unfinished handshakes per source. These rows have no inode and
/// never an owner of their own; the listener's owner is named. A SYN flood is capped at
/// <see cref="MaxPerCycle"/> events per cycle (the rest counted as dropped). Not thread-safe: the
/// collector serializes calls.
/// </summary>
internal sealed class HalfOpenHandshakes
{
    public const int MaxPerCycle = 1024;

    private HashSet<(IPAddress Remote, int RemotePort, int LocalPort)> _previous = [];
    private HashSet<(IPAddress Remote, int RemotePort, int LocalPort)> _current = [];
    private readonly List<SocketRow> _new = [];

    public long Dropped { get; private set; }

    /// <summary>Notes the half-open rows of one inventory cycle; new ones wait for <see cref="Drain"/>.</summary>
    public void Observe(List<SocketRow> rows)
    {
        _current.Clear();
        foreach (var row in rows)
        {
            if (row.IsUdp || row.State is not (TcpState.SynRecv or TcpState.NewSynRecv))
            {
                continue;
            }

            var key = (row.RemoteAddress, row.RemotePort, row.LocalPort);
            if (!_current.Add(key) || _previous.Contains(key))
            {
                continue;
            }

            if (_new.Count < MaxPerCycle)
            {
                _new.Add(row);
            }
            else
            {
                Dropped++;
            }
        }

        (_previous, _current) = (_current, _previous);
    }

    /// <summary>
    /// Publishes the new half-open handshakes; <paramref name="inventory"/> gives each its direction
    /// and the listener's owner (taken directly rather than as a delegate: a lambda capturing the
    /// collector allocated once per cycle).
    /// </summary>
    public void Drain(SocketInventory inventory, NetworkEventBuilder events, DateTimeOffset now, string sensor, Action<EcsEvent> emit)
    {
        foreach (var row in _new)
        {
            var socket = inventory.Closed(row, owner: null);
            if (socket.Direction == "ingress")
            {
                emit(events.Attempt(socket, now, sensor));
            }
        }

        _new.Clear();
    }
}
