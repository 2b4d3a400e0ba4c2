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

    // Reused every cycle: a steady inventory of thousands of sockets allocates almost nothing.
    private readonly List<(SocketRow Row, bool IsListener)> _kept = [];
    private readonly List<long> _inodes = [];
    private readonly List<ObservedSocket> _result = [];
    private readonly Dictionary<int, CachedOwner> _processes = [];
    private Dictionary<(bool Udp, bool V6, IPAddress Address, int Port), ObservedSocket> _listeners = [];
    private Dictionary<(bool Udp, bool V6, IPAddress Address, int Port), ObservedSocket> _nextListeners = [];

    // The previous cycle's sockets by (cookie, inode): an unchanged socket (same row, owner and
    // direction) is reported with the same object instead of a new one each cycle.
    private Dictionary<(ulong Cookie, long Inode), ObservedSocket> _previous = [];
    private Dictionary<(ulong Cookie, long Inode), ObservedSocket> _current = [];
    private IReadOnlyList<ListeningSocket> _currentListeners = [];
    private long _cycle;

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

    /// <summary>How many times an owner's comm and exe were read (tests and benchmarks watch this).</summary>
    public long OwnerReads { get; private set; }

    /// <summary>The reportable sockets of <paramref name="rows"/>; the list is reused by the next call.</summary>
    public List<ObservedSocket> Observe(List<SocketRow> rows) => Observe(rows, out _);

    /// <param name="rows">One cycle's sockets.</param>
    /// <param name="ownerTicks">Stopwatch ticks spent bringing the owner map up to date.</param>
    public List<ObservedSocket> Observe(List<SocketRow> rows, out long ownerTicks)
    {
        ArgumentNullException.ThrowIfNull(rows);
        _cycle++;
        _kept.Clear();
        _inodes.Clear();
        foreach (var row in rows)
        {
            var role = Classify(row);
            if (role is null)
            {
                continue;
            }

            _kept.Add((row, role.Value));
            _inodes.Add(row.Inode);
        }

        var refreshStarted = System.Diagnostics.Stopwatch.GetTimestamp();
        _owners.Refresh(_inodes);
        ForgetExitedProcesses();
        ownerTicks = System.Diagnostics.Stopwatch.GetTimestamp() - refreshStarted;

        _result.Clear();
        _current.Clear();
        _nextListeners.Clear();
        var changedListeners = false;

        // Listeners first: ingress is decided against every listener of the cycle.
        foreach (var (row, isListener) in _kept)
        {
            if (isListener)
            {
                var listener = Build(row, isListener: true, Listening);
                changedListeners |= !_listeners.TryGetValue((row.IsUdp, row.IsIpv6, row.LocalAddress, row.LocalPort), out var before)
                    || !ReferenceEquals(before, listener);
                _nextListeners[(row.IsUdp, row.IsIpv6, row.LocalAddress, row.LocalPort)] = listener;
                _result.Add(listener);
            }
        }

        changedListeners |= _nextListeners.Count != _listeners.Count;
        (_listeners, _nextListeners) = (_nextListeners, _listeners);
        foreach (var (row, isListener) in _kept)
        {
            if (!isListener)
            {
                _result.Add(Build(row, isListener: false, TryFindListener(row, out _) ? Ingress : Egress));
            }
        }

        (_previous, _current) = (_current, _previous);
        if (changedListeners)
        {
            List<ListeningSocket> inventory = new(_listeners.Count);
            foreach (var listener in _listeners.Values)
            {
                inventory.Add(listener.ToListeningSocket());
            }

            Volatile.Write(ref _currentListeners, inventory);
        }

        return _result;
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

    private ObservedSocket Build(in SocketRow row, bool isListener, string direction)
    {
        var hasOwner = _owners.TryGetOwner(row.Inode, out var pid);
        var key = (row.Cookie, row.Inode);
        if (_previous.TryGetValue(key, out var previous)
            && previous.Row == row
            && previous.Direction == direction
            && (hasOwner ? previous.Owner?.Pid == pid : previous.Owner is null))
        {
            _current[key] = previous;
            return previous;
        }

        var owner = hasOwner ? Owner(pid) : null;
        var local = SocketAddresses.ForReport(row.LocalAddress);
        var observed = new ObservedSocket
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
        _current[key] = observed;
        return observed;
    }

    /// <summary>
    /// The owner's name and executable, read once per process and re-checked at most once per cycle
    /// (one readlink of exe) when one of its sockets is new or changed: a process that exec()s keeps
    /// its pid and its sockets, and its new sockets must name the new program.
    /// </summary>
    private OwnerProcess Owner(int pid)
    {
        if (_processes.TryGetValue(pid, out var cached))
        {
            if (cached.CheckedCycle == _cycle)
            {
                return cached.Process;
            }

            if (OwnerProcess.ReadExecutable(_procRoot, pid) == cached.Process.Executable)
            {
                _processes[pid] = cached with { CheckedCycle = _cycle };
                return cached.Process;
            }
        }

        OwnerReads++;
        var process = OwnerProcess.Read(_procRoot, pid);
        _processes[pid] = new CachedOwner(process, _cycle);
        return process;
    }

    /// <summary>
    /// Drops cached owners that exited or no longer own a socket, so the cache holds only current
    /// owners and a reused pid is never answered with its predecessor's name.
    /// </summary>
    private void ForgetExitedProcesses()
    {
        foreach (var pid in _owners.ReleasedOwners)
        {
            _processes.Remove(pid);
        }
    }

    private readonly record struct CachedOwner(OwnerProcess Process, long CheckedCycle);

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
