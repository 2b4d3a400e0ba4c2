using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;

namespace Atalaya.Platform.Linux.Network.Dns;

/// <summary>
/// Watches DNS answers arriving at this host (root only: an AF_PACKET socket needs CAP_NET_RAW)
/// and teaches <see cref="Names.AddressNames"/> which name each address was looked up as, with
/// the asking process when it still holds its socket. Only an answer to a query this host sent is
/// believed (<see cref="OutstandingQueries"/>): anyone can send UDP from port 53. The kernel filter
/// (<see cref="DnsCaptureFilter"/>) passes only UDP from or to port 53; everything else is dropped
/// before it is copied. Queries are taken from the frames this host sends; answers from the frames
/// it receives (on <c>lo</c> every frame is seen twice, outgoing then host), and an answer the host
/// serves to others is not a name it uses.
/// </summary>
internal sealed class DnsSniffer : IDisposable
{
    private static readonly TimeSpan ReceiveTimeout = TimeSpan.FromMilliseconds(250);

    private readonly SafePacketHandle _socket;
    private readonly Names.AddressNames _names;
    private readonly UdpPortOwners? _owners;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private long _responses;
    private long _answers;
    private long _malformed;
    private long _skippedOutgoing;
    private long _queries;
    private long _unsolicited;
    private readonly OutstandingQueries _outstanding = new();
    private int _disposed;

    private DnsSniffer(SafePacketHandle socket, Names.AddressNames names, UdpPortOwners? owners)
    {
        _socket = socket;
        _names = names;
        _owners = owners;
        _thread = new Thread(Run) { IsBackground = true, Name = "atalaya-dns-sniffer" };
    }

    public long Responses => Interlocked.Read(ref _responses);

    public long Answers => Interlocked.Read(ref _answers);

    public long Malformed => Interlocked.Read(ref _malformed);

    public long SkippedOutgoing => Interlocked.Read(ref _skippedOutgoing);

    /// <summary>Queries this host sent (the answers it waits for).</summary>
    public long Queries => Interlocked.Read(ref _queries);

    /// <summary>Answers that matched no query of this host (forged, late, or to a query sent before the agent started): not learned.</summary>
    public long Unsolicited => Interlocked.Read(ref _unsolicited);

    /// <summary>Why the sniffer stopped on its own (a receive error), null while it runs.</summary>
    public string? StoppedReason { get; private set; }

    /// <summary>A running sniffer, or null with the reason (not root, no AF_PACKET).</summary>
    public static DnsSniffer? TryStart(Names.AddressNames names, UdpPortOwners? owners, out string? reason)
    {
        ArgumentNullException.ThrowIfNull(names);
        var socket = Interop.OpenPacketCapture(DnsCaptureFilter.Program(), ReceiveTimeout, out var errno);
        if (socket.IsInvalid)
        {
            reason = $"AF_PACKET capture socket refused (errno {errno}; needs CAP_NET_RAW)";
            return null;
        }

        reason = null;
        var sniffer = new DnsSniffer(socket, names, owners);
        sniffer._thread.Start();
        return sniffer;
    }

    public void Dispose()
    {
        // Idempotent: a second Cancel on the disposed source would throw.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stop.Cancel();

        // The thread wakes at least every ReceiveTimeout; join before the socket is closed under it.
        _thread.Join();
        _socket.Dispose();
        _stop.Dispose();
    }

    /// <summary>A frame this host sent: a query is remembered until its answer; anything else is skipped.</summary>
    internal void HandleOutgoing(ReadOnlySpan<byte> packet, long now)
    {
        if (DnsPacketParser.TryParseQuery(packet, out var payload, out _, out var clientPort, out var server)
            && DnsMessageParser.TryParseQuery(payload, out var id, out var name))
        {
            _outstanding.Asked(clientPort, server, id, name, now);
            Interlocked.Increment(ref _queries);
            return;
        }

        Interlocked.Increment(ref _skippedOutgoing);
    }

    /// <summary>
    /// A frame this host received: learns the answers of a response to one of its queries; false when it
    /// is not a well-formed response or answers nothing this host asked. A query (this host serving DNS)
    /// is ignored.
    /// </summary>
    internal bool Handle(ReadOnlySpan<byte> packet, List<DnsAnswer> scratch, long now)
    {
        scratch.Clear();
        if (!DnsPacketParser.TryParse(packet, out var payload, out _, out var clientPort, out var server)
            || !DnsMessageParser.TryParseResponse(payload, scratch))
        {
            if (!DnsPacketParser.TryParseQuery(packet, out _, out _, out _, out _))
            {
                Interlocked.Increment(ref _malformed);
            }

            return false;
        }

        Interlocked.Increment(ref _responses);
        if (!DnsMessageParser.TryParseQuestion(payload, out var question)
            || !_outstanding.TryAnswer(clientPort, server, BinaryPrimitives.ReadUInt16BigEndian(payload), question, now))
        {
            Interlocked.Increment(ref _unsolicited);
            scratch.Clear();
            return false;
        }

        string? querier = null;
        if (scratch.Count > 0 && _owners is not null)
        {
            querier = _owners.Find(clientPort);
        }

        foreach (var answer in scratch)
        {
            _names.Learn(answer.Address, answer.QueryName, querier);
            Interlocked.Increment(ref _answers);
        }

        return true;
    }

    private void Run()
    {
        try
        {
            Receive();
        }
        catch (Exception e)
        {
            // An exception leaving this thread would end the whole agent; the sniffer stops and says why.
            StoppedReason = $"failed: {e.GetType().Name}: {e.Message}";
        }
    }

    private void Receive()
    {
        var buffer = new byte[(int)DnsCaptureFilter.SnapLength];
        var scratch = new List<DnsAnswer>();
        while (!_stop.IsCancellationRequested)
        {
            var received = Interop.ReceivePacket(_socket, buffer, out var packetType);
            if (received < 0)
            {
                if (-received is Interop.EAGAIN or Interop.EINTR)
                {
                    continue;
                }

                StoppedReason = $"receive failed (errno {-received})";
                return;
            }

            if (packetType == Interop.PACKET_OUTGOING)
            {
                HandleOutgoing(buffer.AsSpan(0, received), Stopwatch.GetTimestamp());
                continue;
            }

            Handle(buffer.AsSpan(0, received), scratch, Stopwatch.GetTimestamp());
        }
    }
}
