using System.Globalization;
using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;

namespace Atalaya.Platform.Linux.Network;

/// <summary>
/// The one place that turns a socket into an ECS network event, for every network sensor, so a
/// listener or a connection looks the same whichever rung of the ladder saw it. <c>source</c> is
/// always the local end and <c>destination</c> the remote end; <c>source.bytes</c> is what the local
/// end sent, <c>destination.bytes</c> what it received.
/// </summary>
internal sealed class NetworkEventBuilder
{
    public const string Listening = "listening";
    public const string ListenerClosed = "listener-closed";
    public const string ConnectionOpened = "connection-opened";
    public const string ConnectionClosed = "connection-closed";
    public const string ConnectionFailed = "connection-failed";
    public const string ConnectionEstablished = "connection-established";

    /// <summary>An inbound handshake the kernel holds half-open (SYN_RECV): a probe, a flood, or a full accept queue.</summary>
    public const string ConnectionAttempt = "connection-attempt";

    private const string Module = "atalaya";

    private static readonly IReadOnlyList<string> NetworkCategory = [EventCategories.Network];
    private static readonly IReadOnlyList<string> InfoType = [EventTypes.Info];
    private static readonly IReadOnlyList<string> StartType = [EventTypes.Start];
    private static readonly IReadOnlyList<string> EndType = [EventTypes.End];
    private static readonly IReadOnlyList<string> ConnectionStartType = [EventTypes.Connection, EventTypes.Start];
    private static readonly IReadOnlyList<string> ConnectionEndType = [EventTypes.Connection, EventTypes.End];

    private readonly HostFields? _host;
    private readonly CollectorCounters _counters;
    private readonly Func<EcsEvent, EcsEvent>? _enrich;

    /// <param name="enrich">
    /// Completes each event before it leaves (names, service names, package ownership); must not
    /// block: it runs on the sensor's cycle.
    /// </param>
    public NetworkEventBuilder(HostFields? host, CollectorCounters counters, Func<EcsEvent, EcsEvent>? enrich = null)
    {
        _host = host;
        _counters = counters;
        _enrich = enrich;
    }

    /// <summary>A socket present now (inventory or snapshot).</summary>
    public EcsEvent State(ObservedSocket socket, DateTimeOffset now, string sensor) =>
        Build(socket, EventKinds.State, InfoType, socket.IsListener ? Listening : ConnectionEstablished, now, null, null, sensor);

    /// <summary>A socket that appeared since the previous cycle.</summary>
    public EcsEvent Opened(ObservedSocket socket, DateTimeOffset now, DateTimeOffset start, string sensor) => socket.IsListener
        ? Build(socket, EventKinds.Event, StartType, Listening, now, start, null, sensor)
        : Build(socket, EventKinds.Event, ConnectionStartType, ConnectionOpened, now, start, null, sensor);

    /// <summary>An inbound handshake seen half-open; no socket exists for it yet, so it never gets a close.</summary>
    public EcsEvent Attempt(ObservedSocket socket, DateTimeOffset now, string sensor) =>
        Build(socket, EventKinds.Event, ConnectionStartType, ConnectionAttempt, now, now, null, sensor);

    /// <summary>A socket that went away; <paramref name="start"/> is null when it was open before the sensor started.</summary>
    public EcsEvent Closed(ObservedSocket socket, DateTimeOffset now, DateTimeOffset? start, string sensor, bool failed = false) => socket.IsListener
        ? Build(socket, EventKinds.Event, EndType, ListenerClosed, now, start, now, sensor)
        : Build(socket, EventKinds.Event, ConnectionEndType, failed ? ConnectionFailed : ConnectionClosed, now, start, now, sensor);

    private EcsEvent Build(ObservedSocket socket, string kind, IReadOnlyList<string> types, string action,
        DateTimeOffset now, DateTimeOffset? start, DateTimeOffset? end, string sensor)
    {
        var built = BuildPlain(socket, kind, types, action, now, start, end, sensor);
        return _enrich is null ? built : _enrich(built);
    }

    private EcsEvent BuildPlain(ObservedSocket socket, string kind, IReadOnlyList<string> types, string action,
        DateTimeOffset now, DateTimeOffset? start, DateTimeOffset? end, string sensor)
    {
        var row = socket.Row;
        var owner = socket.Owner;
        if (owner is null)
        {
            _counters.Increment(NetworkCounterNames.OwnersUnknown);
        }

        var localIp = socket.LocalAddress.ToString();
        var remoteIp = socket.RemoteAddress.ToString();
        IReadOnlyList<string> related = socket.IsListener || remoteIp == localIp ? [localIp] : [localIp, remoteIp];
        long? duration = start is { } s && end is { } e ? (e - s).Ticks * TimeSpan.NanosecondsPerTick : null;
        var traffic = socket.IsListener ? null : row.Traffic;
        long? total = traffic is { BytesSent: { } sent, BytesReceived: { } received } ? sent + received : null;

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

            // Destroy notifications carry no uid (the kernel leaves it zero): say nothing rather than "root".
            User = row.Inode == 0 ? null : new UserFields { Id = row.Uid.ToString(CultureInfo.InvariantCulture) },
            Source = new EndpointFields { Ip = localIp, Port = row.LocalPort, Bytes = traffic?.BytesSent },
            Destination = socket.IsListener ? null : new EndpointFields { Ip = remoteIp, Port = row.RemotePort, Bytes = traffic?.BytesReceived },
            Network = new NetworkFields
            {
                Transport = row.Transport,
                Direction = socket.Direction,
                Type = socket.NetworkType,
                Bytes = total,
            },
            Related = new RelatedFields { Ip = related },
            Atalaya = new AtalayaFields
            {
                Network = new AtalayaNetworkFields
                {
                    State = row.State.ToKernelName(row.IsUdp),
                    Inode = row.Inode == 0 ? null : row.Inode,
                    Exposure = socket.Exposure,
                    RttMicroseconds = traffic?.RttMicroseconds is > 0 ? traffic.Value.RttMicroseconds : null,
                    StandardStreams = socket.StandardStreams,
                    Sensor = sensor,
                },
                Partial = owner is null ? true : null,
            },
        };
    }
}
