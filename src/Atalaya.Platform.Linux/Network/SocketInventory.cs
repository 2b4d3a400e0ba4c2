using System.Net;
using Atalaya.Core.Pipeline;

namespace Atalaya.Platform.Linux.Network;

/// <summary>
/// Turns one cycle's raw sockets (from any sensor) into reportable sockets: which are listeners,
/// which are connections, their direction, exposure and owner process. Shared by the sock_diag and
/// the /proc/net collectors so both report the same shapes. Not thread-safe: callers serialize.
/// </summary>
internal sealed class SocketInventory
{
    private const string Listening = "listening";
    private const string Ingress = "ingress";
    private const string Egress = "egress";

    private static readonly string[][] StreamNames =
    [
        [], ["stdin"], ["stdout"], ["stdin", "stdout"], ["stderr"], ["stdin", "stderr"], ["stdout", "stderr"], ["stdin", "stdout", "stderr"],
    ];

    private readonly string _procRoot;
    private readonly SocketInodeOwnerMap _owners;
    private readonly bool _closingStatesAreOpen;
    private Dictionary<(bool Udp, bool V6, IPAddress Address, int Port), ObservedSocket> _listeners = [];
    private IReadOnlyList<ListeningSocket> _currentListeners = [];

    /// <param name="closingStatesAreOpen">
    /// true (sock_diag): a TCP connection in FIN_WAIT/CLOSE_WAIT/LAST_ACK/CLOSING is still open, and
    /// closes when its socket goes away (the destroy notification carries its final bytes then).
    /// false (/proc/net): leaving ESTABLISHED is the close, as the polling sensor always reported it.
    /// </param>
    public SocketInventory(string procRoot, CollectorCounters counters, bool closingStatesAreOpen)
    {
        _procRoot = procRoot;
        _owners = new SocketInodeOwnerMap(procRoot, counters);
        _closingStatesAreOpen = closingStatesAreOpen;
    }

    public SocketInodeOwnerMap Owners => _owners;

    /// <summary>Listeners of the latest cycle.</summary>
    public IReadOnlyList<ListeningSocket> CurrentListeners => Volatile.Read(ref _currentListeners);

    public List<ObservedSocket> Observe(List<SocketRow> rows)
    {
        var listeners = new Dictionary<(bool, bool, IPAddress, int), ObservedSocket>();
        var kept = new List<(SocketRow Row, bool IsListener)>(rows.Count);
        var inodes = new List<long>(rows.Count);
        foreach (var row in rows)
        {
            var role = Classify(row);
            if (role is null)
            {
                continue;
            }

            kept.Add((row, role.Value));
            inodes.Add(row.Inode);
        }

        _owners.Refresh(inodes);

        var processes = new Dictionary<int, OwnerProcess>();
        var result = new List<ObservedSocket>(kept.Count);

        // Listeners first: ingress is decided against every listener of the cycle.
        foreach (var (row, isListener) in kept)
        {
            if (isListener)
            {
                var listener = Build(row, isListener: true, Listening, processes);
                listeners[(row.IsUdp, row.IsIpv6, row.LocalAddress, row.LocalPort)] = listener;
                result.Add(listener);
            }
        }

        _listeners = listeners;
        foreach (var (row, isListener) in kept)
        {
            if (!isListener)
            {
                result.Add(Build(row, isListener: false, TryFindListener(row, out _) ? Ingress : Egress, processes));
            }
        }

        List<ListeningSocket> inventory = new(listeners.Count);
        foreach (var listener in listeners.Values)
        {
            inventory.Add(listener.ToListeningSocket());
        }

        Volatile.Write(ref _currentListeners, inventory);
        return result;
    }

    /// <summary>
    /// The listener a connection's local end belongs to (same transport and family, same or
    /// wildcard address), from the latest cycle. A dual-stack listener's IPv4 peers are in the IPv6
    /// family too, so family is part of the match.
    /// </summary>
    public bool TryFindListener(in SocketRow row, out ObservedSocket listener)
    {
        var wildcard = row.IsIpv6 ? IPAddress.IPv6Any : IPAddress.Any;
        return _listeners.TryGetValue((row.IsUdp, row.IsIpv6, row.LocalAddress, row.LocalPort), out listener!)
            || _listeners.TryGetValue((row.IsUdp, row.IsIpv6, wildcard, row.LocalPort), out listener!);
    }

    /// <summary>A connection that is already gone (a destroy notification), with what is known about it.</summary>
    public ObservedSocket Closed(in SocketRow row, OwnerProcess? owner)
    {
        var ingress = TryFindListener(row, out var listener);
        return new ObservedSocket
        {
            Row = row,
            IsListener = false,
            LocalAddress = SocketAddresses.ForReport(row.LocalAddress),
            RemoteAddress = SocketAddresses.ForReport(row.RemoteAddress),
            Direction = ingress ? Ingress : Egress,

            // The accepting process is almost always the listener's owner (pre-fork servers share
            // the listener, and the map keeps its first owner); better than no owner at all.
            Owner = owner ?? (ingress ? listener.Owner : null),
        };
    }

    public static IReadOnlyList<string>? StreamList(byte mask) => mask == 0 ? null : StreamNames[mask & 7];

    private ObservedSocket Build(in SocketRow row, bool isListener, string direction, Dictionary<int, OwnerProcess> processes)
    {
        OwnerProcess? owner = null;
        if (_owners.TryGetOwner(row.Inode, out var pid) && !processes.TryGetValue(pid, out owner))
        {
            owner = OwnerProcess.Read(_procRoot, pid);
            processes.Add(pid, owner);
        }

        var local = SocketAddresses.ForReport(row.LocalAddress);
        return new ObservedSocket
        {
            Row = row,
            IsListener = isListener,
            LocalAddress = local,
            RemoteAddress = SocketAddresses.ForReport(row.RemoteAddress),
            Direction = direction,
            Exposure = isListener ? SocketAddresses.Exposure(local) : null,
            Owner = owner,
            StandardStreams = owner is null ? null : StreamList(_owners.StandardStreams(row.Inode)),
        };
    }

    /// <summary>true: listener, false: connection, null: not reported.</summary>
    private bool? Classify(in SocketRow row)
    {
        // No file refers to it (TIME_WAIT, an accepted connection still in the accept queue): it
        // would change identity once accepted and could never have an owner.
        if (row.Inode == 0)
        {
            return null;
        }

        if (row.IsUdp)
        {
            // UDP has no LISTEN: a bound socket without a peer (0.0.0.0:0 / [::]:0) receives from anyone.
            return row.RemotePort == 0 && SocketAddresses.IsUnspecified(row.RemoteAddress);
        }

        return row.State switch
        {
            TcpState.Listen => true,
            TcpState.Established => false,
            TcpState.FinWait1 or TcpState.FinWait2 or TcpState.CloseWait or TcpState.LastAck or TcpState.Closing
                when _closingStatesAreOpen => false,
            _ => null,
        };
    }
}
