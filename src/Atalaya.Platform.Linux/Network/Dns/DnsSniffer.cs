using System.Net;

namespace Atalaya.Platform.Linux.Network.Dns;

/// <summary>
/// Watches DNS answers arriving at this host (root only: an AF_PACKET socket needs CAP_NET_RAW)
/// and teaches <see cref="Names.AddressNames"/> which name each address was looked up as, with
/// the asking process when it still holds its socket. The kernel filter
/// (<see cref="DnsCaptureFilter"/>) passes only UDP from port 53; everything else is dropped
/// before it is copied. Frames this host sends are skipped: on <c>lo</c> every frame is seen
/// twice (outgoing, then host), and an answer the host serves to others is not a name it uses.
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

    /// <summary>Parses one captured IP packet and learns its answers; false when it is not a well-formed DNS response.</summary>
    internal bool Handle(ReadOnlySpan<byte> packet, List<DnsAnswer> scratch)
    {
        scratch.Clear();
        if (!DnsPacketParser.TryParse(packet, out var payload, out _, out var clientPort, out _)
            || !DnsMessageParser.TryParseResponse(payload, scratch))
        {
            Interlocked.Increment(ref _malformed);
            return false;
        }

        Interlocked.Increment(ref _responses);
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
                Interlocked.Increment(ref _skippedOutgoing);
                continue;
            }

            Handle(buffer.AsSpan(0, received), scratch);
        }
    }
}
