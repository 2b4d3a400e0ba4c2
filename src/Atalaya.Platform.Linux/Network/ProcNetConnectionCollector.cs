using System.Globalization;
using System.Net;
using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;

namespace Atalaya.Platform.Linux.Network;

/// <summary>
/// Listeners and connections from <c>/proc/net/{tcp,tcp6,udp,udp6}</c>, polled and diffed: the
/// fallback rung of the network ladder (sock_diag would be the real-time one). The first cycle of
/// <see cref="RunAsync"/> publishes every socket as <c>event.kind: state</c> (the inventory), later
/// cycles publish what appeared and disappeared as <c>event.kind: event</c>.
/// <para>
/// What is reported: TCP sockets in LISTEN and ESTABLISHED, bound UDP sockets (unconnected ones are
/// listeners, connected ones connections). Other TCP states are left out: TIME_WAIT and accept-queue
/// sockets have no file (inode 0) and so no owner, and the closing states are the end of a connection
/// already reported. A connection leaving ESTABLISHED is reported closed.
/// </para>
/// <para>
/// Direction: <c>ingress</c> when the local end is a port we listen on (same transport and table,
/// same or wildcard address), else <c>egress</c>. Loopback traffic keeps that ingress/egress reading
/// rather than ECS <c>internal</c>, so the client and the server side of a local connection stay
/// distinguishable (a reverse shell to 127.0.0.1 is still the egress side of its process).
/// <c>source</c> is always the local end and <c>destination</c> the remote end.
/// </para>
/// </summary>
public sealed class ProcNetConnectionCollector : IEventCollector, ISnapshotSource
{
    private const string Module = "atalaya";
    private const string Listening = "listening";
    private const string Ingress = "ingress";
    private const string Egress = "egress";

    private static readonly IReadOnlyList<string> NetworkCategory = [EventCategories.Network];
    private static readonly IReadOnlyList<string> InfoType = [EventTypes.Info];
    private static readonly IReadOnlyList<string> StartType = [EventTypes.Start];
    private static readonly IReadOnlyList<string> EndType = [EventTypes.End];
    private static readonly IReadOnlyList<string> ConnectionStartType = [EventTypes.Connection, EventTypes.Start];
    private static readonly IReadOnlyList<string> ConnectionEndType = [EventTypes.Connection, EventTypes.End];

    private readonly ProcNetConnectionCollectorOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly HostFields? _host;
    private readonly SocketInodeOwnerMap _owners;

    // The owner map is shared by RunAsync and TakeSnapshot (the CLI may snapshot while the agent runs).
    private readonly Lock _gate = new();
    private IReadOnlyList<ListeningSocket> _currentListeners = [];

    public ProcNetConnectionCollector(ProcNetConnectionCollectorOptions options, TimeProvider timeProvider, HostFields? host)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.Interval, TimeSpan.Zero);
        _options = options;
        _timeProvider = timeProvider;
        _host = host;
        foreach (var name in (string[])[NetworkCounterNames.ParseErrors, NetworkCounterNames.OwnersUnknown, NetworkCounterNames.Snapshots,
                     NetworkCounterNames.EventsPublished, NetworkCounterNames.FdScanErrors, NetworkCounterNames.ProcessesVanished])
        {
            Counters.Increment(name, 0);
        }

        _owners = new SocketInodeOwnerMap(options.ProcRoot, Counters);
    }

    public string Name => "network";

    public string Sensor => "procfs-net-polling";

    public CollectorCounters Counters { get; } = new();

    /// <summary>
    /// Listening sockets as of the latest cycle or snapshot (empty before the first one), with their
    /// owners: what <c>atalaya scan</c> shows as "what is this host exposing".
    /// </summary>
    public IReadOnlyList<ListeningSocket> CurrentListeners => Volatile.Read(ref _currentListeners);

    /// <summary>Every listener and established connection now, as state events.</summary>
    public IReadOnlyList<EcsEvent> TakeSnapshot(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var now = _timeProvider.GetUtcNow();
        var sockets = ReadSockets();
        var events = new List<EcsEvent>(sockets.Count);
        foreach (var socket in sockets)
        {
            events.Add(StateEvent(socket, now));
        }

        return events;
    }

    /// <summary>Polls until cancelled; returns normally on cancellation. One run at a time per instance.</summary>
    public async Task RunAsync(IEventPublisher output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);

        // The cycle does blocking procfs reads; do not run the first one on the caller's thread.
        await Task.Yield();
        if (cancellationToken.IsCancellationRequested)
        {
            return;
        }

        using var timer = new PeriodicTimer(_options.Interval, _timeProvider);
        var tracked = new Dictionary<SocketKey, TrackedSocket>();
        var now = _timeProvider.GetUtcNow();
        foreach (var socket in ReadSockets())
        {
            // Sockets already open at start: when they began is unknown, so no event.start later.
            if (tracked.TryAdd(socket.Key, new TrackedSocket(socket, FirstSeen: null)))
            {
                Publish(output, StateEvent(socket, now));
            }
        }

        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                PublishChanges(tracked, ReadSockets(), output);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private void PublishChanges(Dictionary<SocketKey, TrackedSocket> tracked, List<ObservedSocket> sockets, IEventPublisher output)
    {
        var now = _timeProvider.GetUtcNow();
        var current = new HashSet<SocketKey>();
        foreach (var socket in sockets)
        {
            var key = socket.Key;
            if (!current.Add(key) || tracked.ContainsKey(key))
            {
                continue;
            }

            tracked.Add(key, new TrackedSocket(socket, now));
            Publish(output, socket.IsListener
                ? BuildEvent(socket, EventKinds.Event, StartType, "listening", now, start: now, end: null)
                : BuildEvent(socket, EventKinds.Event, ConnectionStartType, "connection-opened", now, start: now, end: null));
        }

        List<SocketKey>? gone = null;
        foreach (var (key, entry) in tracked)
        {
            if (current.Contains(key))
            {
                continue;
            }

            (gone ??= []).Add(key);

            // The owner recorded when the socket appeared is kept: by now the process may be gone too.
            Publish(output, entry.Socket.IsListener
                ? BuildEvent(entry.Socket, EventKinds.Event, EndType, "listener-closed", now, entry.FirstSeen, now)
                : BuildEvent(entry.Socket, EventKinds.Event, ConnectionEndType, "connection-closed", now, entry.FirstSeen, now));
        }

        foreach (var key in gone ?? [])
        {
            tracked.Remove(key);
        }
    }

    private void Publish(IEventPublisher output, EcsEvent value)
    {
        output.Publish(value);
        Counters.Increment(NetworkCounterNames.EventsPublished);
    }

    private EcsEvent StateEvent(ObservedSocket socket, DateTimeOffset now) =>
        BuildEvent(socket, EventKinds.State, InfoType, socket.IsListener ? "listening" : "connection-established", now, start: null, end: null);

    /// <summary>One cycle: the four tables, their reportable sockets, directions and owners.</summary>
    private List<ObservedSocket> ReadSockets()
    {
        lock (_gate)
        {
            Counters.Increment(NetworkCounterNames.Snapshots);
            var rows = new List<(ProcNetTable Table, ProcNetSocket Socket)>();
            var buffer = new List<ProcNetSocket>();
            foreach (var table in ProcNetTable.All)
            {
                buffer.Clear();
                if (ProcNetTableReader.TryRead(_options.ProcRoot, table, buffer, out var malformed))
                {
                    Counters.Increment(NetworkCounterNames.ParseErrors, malformed);
                    foreach (var socket in buffer)
                    {
                        rows.Add((table, socket));
                    }
                }
            }

            // Ingress is decided against every listener of the cycle, keyed by table so an IPv4 socket
            // only matches an IPv4 listener (a dual-stack listener's IPv4 peers are listed in tcp6 too).
            var listeners = new HashSet<(ProcNetTable, IPAddress, int)>();
            var kept = new List<(ProcNetTable Table, ProcNetSocket Socket, bool IsListener)>();
            foreach (var (table, socket) in rows)
            {
                var role = Classify(table, socket);
                if (role is null)
                {
                    continue;
                }

                kept.Add((table, socket, role.Value));
                if (role.Value)
                {
                    listeners.Add((table, socket.LocalAddress, socket.LocalPort));
                }
            }

            var inodes = new List<long>(kept.Count);
            foreach (var (_, socket, _) in kept)
            {
                inodes.Add(socket.Inode);
            }

            _owners.Refresh(inodes);

            var processes = new Dictionary<int, OwnerProcess>();
            var result = new List<ObservedSocket>(kept.Count);
            List<ListeningSocket> inventory = [];
            foreach (var (table, socket, isListener) in kept)
            {
                OwnerProcess? owner = null;
                if (_owners.TryGetOwner(socket.Inode, out var pid))
                {
                    if (!processes.TryGetValue(pid, out owner))
                    {
                        owner = OwnerProcess.Read(_options.ProcRoot, pid);
                        processes.Add(pid, owner);
                    }
                }

                var local = SocketAddresses.ForReport(socket.LocalAddress);
                var observed = new ObservedSocket
                {
                    Table = table,
                    Raw = socket,
                    IsListener = isListener,
                    LocalAddress = local,
                    RemoteAddress = SocketAddresses.ForReport(socket.RemoteAddress),
                    Direction = isListener ? Listening : IsIngress(listeners, table, socket) ? Ingress : Egress,
                    Exposure = isListener ? SocketAddresses.Exposure(local) : null,
                    Owner = owner,
                };
                result.Add(observed);
                if (isListener)
                {
                    inventory.Add(observed.ToListeningSocket());
                }
            }

            Volatile.Write(ref _currentListeners, inventory);
            return result;
        }
    }

    /// <summary>true: listener, false: connection, null: not reported (see the class remarks).</summary>
    private static bool? Classify(ProcNetTable table, in ProcNetSocket socket)
    {
        // No file refers to it (TIME_WAIT, an accepted connection still in the accept queue): it
        // would change identity once accepted and could never have an owner.
        if (socket.Inode == 0)
        {
            return null;
        }

        if (table.IsUdp)
        {
            // UDP has no LISTEN: a bound socket without a peer (0.0.0.0:0 / [::]:0) receives from anyone.
            return socket.RemotePort == 0 && SocketAddresses.IsUnspecified(socket.RemoteAddress);
        }

        return socket.State switch
        {
            TcpState.Listen => true,
            TcpState.Established => false,
            _ => null,
        };
    }

    private static bool IsIngress(HashSet<(ProcNetTable, IPAddress, int)> listeners, ProcNetTable table, in ProcNetSocket socket)
    {
        var wildcard = table.Ipv6 ? IPAddress.IPv6Any : IPAddress.Any;
        return listeners.Contains((table, socket.LocalAddress, socket.LocalPort))
            || listeners.Contains((table, wildcard, socket.LocalPort));
    }

    private EcsEvent BuildEvent(ObservedSocket socket, string kind, IReadOnlyList<string> types, string action,
        DateTimeOffset now, DateTimeOffset? start, DateTimeOffset? end)
    {
        var raw = socket.Raw;
        var owner = socket.Owner;
        if (owner is null)
        {
            Counters.Increment(NetworkCounterNames.OwnersUnknown);
        }

        var localIp = socket.LocalAddress.ToString();
        var remoteIp = socket.RemoteAddress.ToString();
        IReadOnlyList<string> related = socket.IsListener || remoteIp == localIp ? [localIp] : [localIp, remoteIp];
        long? duration = start is { } s && end is { } e ? (e - s).Ticks * TimeSpan.NanosecondsPerTick : null;

        return new EcsEvent
        {
            Timestamp = now,
            Event = new EventFields
            {
                Kind = kind,
                Category = NetworkCategory,
                Type = types,
                Action = action,
                Dataset = Datasets.Network,
                Module = Module,
                Start = start,
                End = end,
                Duration = duration,
            },
            Host = _host,
            Process = owner is null ? null : new ProcessFields { Pid = owner.Pid, Name = owner.Name, Executable = owner.Executable },
            User = new UserFields { Id = raw.Uid.ToString(CultureInfo.InvariantCulture) },
            Source = new EndpointFields { Ip = localIp, Port = raw.LocalPort },
            Destination = socket.IsListener ? null : new EndpointFields { Ip = remoteIp, Port = raw.RemotePort },
            Network = new NetworkFields
            {
                Transport = socket.Table.Transport,
                Direction = socket.Direction,
                Type = socket.NetworkType,
            },
            Related = new RelatedFields { Ip = related },
            Atalaya = new AtalayaFields
            {
                Network = new AtalayaNetworkFields
                {
                    State = raw.State.ToKernelName(socket.Table.IsUdp),
                    Inode = raw.Inode,
                    Exposure = socket.Exposure,
                },
                Partial = owner is null ? true : null,
            },
        };
    }

    private sealed record TrackedSocket(ObservedSocket Socket, DateTimeOffset? FirstSeen);
}
