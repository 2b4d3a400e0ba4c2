using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;

namespace Atalaya.Platform.Linux.Network;

/// <summary>
/// Listeners and connections from <c>/proc/net/{tcp,tcp6,udp,udp6}</c>, polled and diffed: the
/// fallback rung of the network ladder when NETLINK_SOCK_DIAG is unavailable. The first cycle of
/// <see cref="RunAsync"/> publishes every socket as <c>event.kind: state</c> (the inventory), later
/// cycles publish what appeared and disappeared as <c>event.kind: event</c>.
/// <para>
/// What is reported: TCP sockets in LISTEN and ESTABLISHED, bound UDP sockets (unconnected ones are
/// listeners, connected ones connections). Other TCP states are left out: TIME_WAIT and accept-queue
/// sockets have no file (inode 0) and so no owner, and the closing states are the end of a connection
/// already reported. A connection leaving ESTABLISHED is reported closed. No byte counts: the
/// tables only show queue sizes.
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
    public const string SensorName = "procfs-net-polling";

    private readonly ProcNetConnectionCollectorOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly NetworkEventBuilder _events;
    private readonly SocketInventory _inventory;

    // The inventory is shared by RunAsync and TakeSnapshot (the CLI may snapshot while the agent runs).
    private readonly Lock _gate = new();

    public ProcNetConnectionCollector(ProcNetConnectionCollectorOptions options, TimeProvider timeProvider, HostFields? host)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.Interval, TimeSpan.Zero);
        _options = options;
        _timeProvider = timeProvider;
        foreach (var name in (string[])[NetworkCounterNames.ParseErrors, NetworkCounterNames.OwnersUnknown, NetworkCounterNames.Snapshots,
                     NetworkCounterNames.EventsPublished, NetworkCounterNames.FdScanErrors, NetworkCounterNames.ProcessesVanished])
        {
            Counters.Increment(name, 0);
        }

        _events = new NetworkEventBuilder(host, Counters, options.Enrich);
        _inventory = new SocketInventory(options.ProcRoot, Counters, closingStatesAreOpen: false);
    }

    public string Name => "network";

    public string Sensor => SensorName;

    public CollectorCounters Counters { get; } = new();

    /// <summary>
    /// Listening sockets as of the latest cycle or snapshot (empty before the first one), with their
    /// owners: what <c>atalaya scan</c> shows as "what is this host exposing".
    /// </summary>
    public IReadOnlyList<ListeningSocket> CurrentListeners => _inventory.CurrentListeners;

    internal SocketInodeOwnerMap Owners => _inventory.Owners;

    /// <summary>Every listener and established connection now, as state events.</summary>
    public IReadOnlyList<EcsEvent> TakeSnapshot(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var now = _timeProvider.GetUtcNow();
        return NetworkPollLoop.States(_events, ReadSockets(), now, SensorName);
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

        var lifecycle = new ConnectionLifecycle(_events, SensorName);
        var emit = NetworkPollLoop.CountingEmitter(output, Counters);
        lifecycle.Start(ReadSockets(), _timeProvider.GetUtcNow(), emit);
        await NetworkPollLoop.EveryIntervalAsync(_options.Interval, _timeProvider,
            () => lifecycle.Update(ReadSockets(), _timeProvider.GetUtcNow(), closeGraceCycles: 0, emit), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One cycle: the four tables, their reportable sockets, directions and owners.</summary>
    private List<ObservedSocket> ReadSockets()
    {
        lock (_gate)
        {
            Counters.Increment(NetworkCounterNames.Snapshots);
            var rows = new List<SocketRow>();
            var buffer = new List<ProcNetSocket>();
            foreach (var table in ProcNetTable.All)
            {
                buffer.Clear();
                if (ProcNetTableReader.TryRead(_options.ProcRoot, table, buffer, out var malformed))
                {
                    Counters.Increment(NetworkCounterNames.ParseErrors, malformed);
                    foreach (var socket in buffer)
                    {
                        rows.Add(SocketRow.FromProcNet(table, socket));
                    }
                }
            }

            return _inventory.Observe(rows);
        }
    }
}
