using System.Diagnostics;
using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;

namespace Atalaya.Platform.Linux.Network.SockDiag;

/// <summary>
/// Listeners and connections from NETLINK_SOCK_DIAG inet dumps (TCP and UDP, IPv4 and IPv6) with
/// tcp_info byte counters and rtt, plus — with CAP_NET_ADMIN — the TCP destroy groups, which report
/// every close with its final counters, even of connections that lived between two dumps. The
/// first rung of the network ladder; <see cref="ProcNetConnectionCollector"/> is the fallback.
/// <para>
/// Same event shapes as the /proc/net collector (one <see cref="NetworkEventBuilder"/>), plus
/// <c>source.bytes</c> (sent), <c>destination.bytes</c> (received), <c>network.bytes</c>, rtt, and
/// durations on closes. A TCP connection stays open through FIN_WAIT/CLOSE_WAIT until its socket
/// is freed: that is when the destroy notification brings the final byte counts.
/// </para>
/// <para>
/// Connections no dump saw are reported at close as <c>connection-closed</c> (or
/// <c>connection-failed</c> when the handshake never completed), with the owner from
/// <see cref="ConnectHints"/> (fed by the audit sensor) or, for accepted connections, the
/// listener's owner; otherwise without an owner and marked partial.
/// </para>
/// </summary>
public sealed class SockDiagConnectionCollector : IEventCollector, ISnapshotSource, IDisposable
{
    public const string SensorName = "netlink-sock-diag";
    public const string DestroySensorName = "netlink-sock-diag-destroy";

    /// <summary>Cycles a vanished TCP socket waits for its destroy notification before the dump closes it.</summary>
    private const int CloseGraceCycles = 2;

    /// <summary>Unseen closes held for a hint at most; past it they are reported at once.</summary>
    private const int MaxAwaitingHint = 4096;

    private static readonly TimeSpan DestroyPollTimeout = TimeSpan.FromMilliseconds(250);

    private readonly SockDiagConnectionCollectorOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly NetworkEventBuilder _events;
    private readonly SocketInventory _inventory;
    private readonly SockDiagReader _reader;

    // Dumps, the inventory and the lifecycle are shared by the poll loop, TakeSnapshot and the
    // destroy listener's thread.
    private readonly Lock _gate = new();
    private readonly List<InetDiagSocket> _dump = [];
    private readonly HalfOpenHandshakes _halfOpen = new();
    private readonly List<SocketRow> _rows = [];
    private readonly Atalaya.Core.Analytics.BoundedEntityMap<(bool Udp, System.Net.IPAddress Remote, int Port), (OwnerProcess Owner, DateTimeOffset At)> _recentEgressOwners = new(4096);
    private readonly List<AwaitingHint> _awaitingHint = [];
    private volatile int _awaitingCount;
    private ConnectionLifecycle? _lifecycle;
    private Action<EcsEvent>? _emit;

    private SockDiagConnectionCollector(SockDiagConnectionCollectorOptions options, TimeProvider timeProvider, HostFields? host, SockDiagReader reader)
    {
        _options = options;
        _timeProvider = timeProvider;
        _reader = reader;
        foreach (var name in (string[])[NetworkCounterNames.ParseErrors, NetworkCounterNames.OwnersUnknown, NetworkCounterNames.Snapshots,
                     NetworkCounterNames.EventsPublished, NetworkCounterNames.FdScanErrors, NetworkCounterNames.ProcessesVanished,
                     NetworkCounterNames.DumpErrors, NetworkCounterNames.CloseNotifications, NetworkCounterNames.CloseNotificationsLost,
                     NetworkCounterNames.CloseListenerActive])
        {
            Counters.Increment(name, 0);
        }

        _events = new NetworkEventBuilder(host, Counters, options.Enrich);
        _inventory = new SocketInventory(options.ProcRoot, Counters, closingStatesAreOpen: true);
        ConnectHints.Recorded += OnHintRecorded;
    }

    /// <summary>
    /// How long an unseen close waits for the audit sensor's connect record naming its owner (only
    /// while audit feeds the hints). Usually the record is there first or within a millisecond; on a
    /// loaded host (load average 40 here) kauditd delivered some over 100 ms late.
    /// </summary>
    internal static TimeSpan HintWait { get; } = TimeSpan.FromMilliseconds(500);

    public string Name => "network";

    public string Sensor => SensorName;

    public CollectorCounters Counters { get; } = new();

    /// <summary>Listening sockets as of the latest cycle or snapshot, with their owners.</summary>
    public IReadOnlyList<ListeningSocket> CurrentListeners => _inventory.CurrentListeners;

    /// <summary>Why close notifications are off during the current run (null while they work or before a run).</summary>
    public string? CloseNotificationsUnavailable { get; private set; }

    /// <summary>Where a syscall sensor reports connects and accepts so short connections get an owner.</summary>
    internal RecentConnectCache ConnectHints { get; } = new();

    internal SocketInodeOwnerMap Owners => _inventory.Owners;

    /// <summary>How many times an owner's comm and exe were read.</summary>
    internal long OwnerReads => _inventory.OwnerReads;

    /// <summary>Where cycles spent their time (benchmarks read it).</summary>
    internal CycleSections Sections { get; } = new();

    /// <summary>One inventory cycle without events (benchmarks: the steady-state cost of an interval).</summary>
    internal List<ObservedSocket> ReadInventory()
    {
        lock (_gate)
        {
            return ReadSockets();
        }
    }

    /// <summary>
    /// The collector when this kernel answers a sock_diag dump, else null with the reason (the
    /// caller falls back to /proc/net).
    /// </summary>
    public static SockDiagConnectionCollector? TryCreate(SockDiagConnectionCollectorOptions options, TimeProvider timeProvider, HostFields? host, out string? reason)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.Interval, TimeSpan.Zero);
        var reader = SockDiagReader.TryOpen(out var errno);
        if (reader is null)
        {
            reason = $"NETLINK_SOCK_DIAG socket refused (errno {errno})";
            return null;
        }

        // A kernel without the inet_diag module opens the socket but answers the dump with an error.
        var probe = new List<InetDiagSocket>();
        if (!reader.TryDump(SockDiagParser.AfInet, SockDiagParser.IpprotoTcp, 1u << (int)TcpState.Listen, probe, out errno))
        {
            reader.Dispose();
            reason = $"inet_diag dump refused (errno {errno})";
            return null;
        }

        reason = null;
        return new SockDiagConnectionCollector(options, timeProvider, host, reader);
    }

    /// <summary>Every listener and open connection now, as state events (with byte counts so far).</summary>
    public IReadOnlyList<EcsEvent> TakeSnapshot(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var now = _timeProvider.GetUtcNow();
            return NetworkPollLoop.States(_events, ReadSockets(), now, SensorName);
        }
    }

    /// <summary>Dumps until cancelled; returns normally on cancellation. One run at a time per instance.</summary>
    public async Task RunAsync(IEventPublisher output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        await Task.Yield();
        if (cancellationToken.IsCancellationRequested)
        {
            return;
        }

        var emit = NetworkPollLoop.CountingEmitter(output, Counters);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        // The destroy listener is bound before the first dump so no close falls between the two.
        var destroyErrno = 0;
        using var destroy = _options.CloseNotifications ? SockDiagDestroyListener.TryOpen(DestroyPollTimeout, out destroyErrno) : null;
        CloseNotificationsUnavailable = destroy is not null ? null
            : _options.CloseNotifications ? $"binding the TCP destroy groups failed (errno {destroyErrno}; needs CAP_NET_ADMIN)" : "disabled by configuration";
        Thread? destroyThread = null;
        var lifecycle = new ConnectionLifecycle(_events, SensorName);
        lock (_gate)
        {
            _lifecycle = lifecycle;
            _emit = emit;
            lifecycle.Start(ReadSockets(), _timeProvider.GetUtcNow(), emit);
        }

        if (destroy is not null)
        {
            Counters.Increment(NetworkCounterNames.CloseListenerActive);
            destroyThread = new Thread(() => RunDestroyListener(destroy, stop.Token)) { IsBackground = true, Name = "atalaya-sock-diag-destroy" };
            destroyThread.Start();
        }

        var closeGraceCycles = destroyThread is null ? 0 : CloseGraceCycles;
        try
        {
            await NetworkPollLoop.EveryIntervalAsync(_options.Interval, _timeProvider, () =>
            {
                lock (_gate)
                {
                    lifecycle.Update(ReadSockets(), _timeProvider.GetUtcNow(), closeGraceCycles, emit);
                    _halfOpen.Drain(_inventory, _events, _timeProvider.GetUtcNow(), SensorName, emit);
                    ResolveAwaitingHints(lifecycle, emit, Stopwatch.GetTimestamp());
                }
            }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);

            // The listener wakes at least every DestroyPollTimeout; join before its socket is disposed.
            destroyThread?.Join();

            lock (_gate)
            {
                ResolveAwaitingHints(lifecycle, emit, long.MaxValue);
                _lifecycle = null;
                _emit = null;
            }
        }
    }

    public void Dispose() => _reader.Dispose();

    private void RunDestroyListener(SockDiagDestroyListener listener, CancellationToken cancellationToken)
    {
        long lastOverflows = 0;
        long lastMalformed = 0;
        int errno;
        try
        {
            errno = listener.Run(
                sockets =>
                {
                    OnClosed(sockets);
                    Counters.Increment(NetworkCounterNames.CloseNotifications, sockets.Count);
                    if (listener.Overflows != lastOverflows)
                    {
                        Counters.Increment(NetworkCounterNames.CloseNotificationsLost, listener.Overflows - lastOverflows);
                        lastOverflows = listener.Overflows;
                    }

                    if (listener.Malformed != lastMalformed)
                    {
                        Counters.Increment(NetworkCounterNames.ParseErrors, listener.Malformed - lastMalformed);
                        lastMalformed = listener.Malformed;
                    }
                },
                cancellationToken);
        }
        finally
        {
            Counters.Increment(NetworkCounterNames.CloseListenerActive, -1);
        }

        // A receive error other than a timeout ends the listener for this run; say so rather than
        // leave the status claiming close notifications still work. Closes fall back to the dumps.
        if (errno != 0)
        {
            CloseNotificationsUnavailable = $"the TCP destroy listener stopped (errno {errno})";
        }
    }

    /// <summary>Close notifications: tracked sockets close with final counters; unseen connections are reported once.</summary>
    private void OnClosed(List<InetDiagSocket> sockets)
    {
        lock (_gate)
        {
            if (_lifecycle is not { } lifecycle || _emit is not { } emit)
            {
                return;
            }

            var now = _timeProvider.GetUtcNow();
            foreach (var socket in sockets)
            {
                var row = SocketRow.FromInetDiag(socket);
                if (lifecycle.TryClose(row.Cookie, row, now, DestroySensorName, emit))
                {
                    continue;
                }

                // A listener or a socket that never connected: nothing to report that no inventory had.
                // A refused connect is one of these too (its destination port is zeroed by then, measured
                // on 6.18): audit's connection-attempted record is its only report.
                if (row.RemotePort == 0 || row.IsUdp)
                {
                    continue;
                }

                if (!TryCloseWithHint(lifecycle, emit, row, now, final: !ConnectHints.FeederActive || _awaitingHint.Count >= MaxAwaitingHint))
                {
                    // The connect's audit record can trail the destroy notification (kauditd delivers
                    // after the syscall returns; a 1 ms connection is gone by then): wait briefly.
                    _awaitingHint.Add(new AwaitingHint(row, now, Stopwatch.GetTimestamp() + (long)(HintWait.TotalSeconds * Stopwatch.Frequency)));
                }
            }

            ResolveAwaitingHints(lifecycle, emit, Stopwatch.GetTimestamp());
            _awaitingCount = _awaitingHint.Count;
        }
    }

    /// <summary>
    /// Reports an unseen connection with the owner its connect hint names. Without a hint: false
    /// unless <paramref name="final"/>, then reported with the best other guess (or none).
    /// </summary>
    private bool TryCloseWithHint(ConnectionLifecycle lifecycle, Action<EcsEvent> emit, in SocketRow row, DateTimeOffset closedAt, bool final)
    {
        DateTimeOffset? start = null;
        OwnerProcess? owner = null;
        if (ConnectHints.TryTake(row.IsUdp, row.RemoteAddress, row.RemotePort, row.LocalPort, closedAt, out var hinted, out var hintedStart))
        {
            owner = hinted;
            start = hintedStart;
        }
        else if (!final)
        {
            return false;
        }

        var observed = _inventory.Closed(row, owner ?? RecentEgressOwner(row, closedAt));
        var failed = observed.Direction == "egress" && row.Traffic is { HandshakeCompleted: false };
        lifecycle.CloseUnseen(observed, start, closedAt, failed, DestroySensorName, emit);
        return true;
    }

    /// <summary>Unseen closes waiting for a hint: reported when one arrived, or when their wait is over. Caller holds the gate.</summary>
    private void ResolveAwaitingHints(ConnectionLifecycle lifecycle, Action<EcsEvent> emit, long now)
    {
        if (_awaitingHint.Count == 0)
        {
            return;
        }

        _awaitingHint.RemoveAll(w => TryCloseWithHint(lifecycle, emit, w.Row, w.ClosedAt, final: now >= w.Deadline || !ConnectHints.FeederActive));
        _awaitingCount = _awaitingHint.Count;
    }

    private void OnHintRecorded()
    {
        if (_awaitingCount == 0)
        {
            return;
        }

        lock (_gate)
        {
            if (_lifecycle is { } lifecycle && _emit is { } emit)
            {
                ResolveAwaitingHints(lifecycle, emit, Stopwatch.GetTimestamp());
            }
        }
    }

    /// <summary>
    /// For a connection no dump saw and no connect hint explains: the process that most recently
    /// held a connection seen by a dump to the same remote address and port, within a minute.
    /// Beacons and pollers reconnect to one destination, and most of their connections are too
    /// short for a dump; the occasional one a dump catches names the owner of the rest. Two
    /// programs talking to one destination at once can be confused; the audit sensor's hints,
    /// consulted first, are exact.
    /// </summary>
    private OwnerProcess? RecentEgressOwner(in SocketRow row, DateTimeOffset now)
    {
        if (_recentEgressOwners.TryGetValue((row.IsUdp, SocketAddresses.ForReport(row.RemoteAddress), row.RemotePort), out var seen)
            && now - seen.At <= TimeSpan.FromMinutes(1))
        {
            return seen.Owner;
        }

        return null;
    }

    private void RememberEgressOwners(List<ObservedSocket> sockets, DateTimeOffset now)
    {
        foreach (var socket in sockets)
        {
            if (socket is { IsListener: false, Direction: "egress", Owner: { } owner })
            {
                _recentEgressOwners.Set((socket.Row.IsUdp, socket.RemoteAddress, socket.Row.RemotePort), (owner, now));
            }
        }
    }

    /// <summary>One cycle: four dumps, their reportable sockets, directions and owners. Caller holds the gate.</summary>
    private List<ObservedSocket> ReadSockets()
    {
        Counters.Increment(NetworkCounterNames.Snapshots);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        long dumping = 0;
        var rows = _rows;
        rows.Clear();
        foreach (var (family, protocol) in (ReadOnlySpan<(byte, byte)>)[
                     (SockDiagParser.AfInet, SockDiagParser.IpprotoTcp), (SockDiagParser.AfInet6, SockDiagParser.IpprotoTcp),
                     (SockDiagParser.AfInet, SockDiagParser.IpprotoUdp), (SockDiagParser.AfInet6, SockDiagParser.IpprotoUdp)])
        {
            _dump.Clear();
            var dumpStarted = System.Diagnostics.Stopwatch.GetTimestamp();
            var states = protocol == SockDiagParser.IpprotoTcp ? SockDiagParser.AllStatesButTimeWait : uint.MaxValue;
            var before = _reader.Malformed;
            if (!_reader.TryDump(family, protocol, states, _dump, out _))
            {
                // A failed dump (e.g. a kernel without udp_diag, EAFNOSUPPORT for IPv6) loses that
                // table for the cycle; the rest is still reported.
                Counters.Increment(NetworkCounterNames.DumpErrors);
            }

            Counters.Increment(NetworkCounterNames.ParseErrors, _reader.Malformed - before);
            dumping += System.Diagnostics.Stopwatch.GetTimestamp() - dumpStarted;
            foreach (var socket in _dump)
            {
                rows.Add(SocketRow.FromInetDiag(socket));
            }
        }

        _halfOpen.Observe(rows);
        var observed = System.Diagnostics.Stopwatch.GetTimestamp();
        var sockets = _inventory.Observe(rows, out var owners);
        RememberEgressOwners(sockets, _timeProvider.GetUtcNow());
        var done = System.Diagnostics.Stopwatch.GetTimestamp();
        Sections.Add(dumping, observed - started - dumping, owners, done - observed - owners);
        return sockets;
    }

    private readonly record struct AwaitingHint(SocketRow Row, DateTimeOffset ClosedAt, long Deadline);
}
