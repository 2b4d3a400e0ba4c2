using System.Buffers.Binary;
using System.Net;
using System.Runtime.InteropServices;

namespace Atalaya.Platform.Linux.Network.SockDiag;

/// <summary>What one netlink datagram of a sock_diag conversation said.</summary>
internal enum SockDiagDatagram
{
    /// <summary>Socket messages; the dump continues in the next datagram.</summary>
    More,

    /// <summary>NLMSG_DONE: the dump is complete.</summary>
    Done,

    /// <summary>NLMSG_ERROR with a non-zero errno: the kernel refused the request.</summary>
    Error,
}

/// <summary>
/// Pure parsers and builders for NETLINK_SOCK_DIAG inet messages (linux/netlink.h, linux/sock_diag.h,
/// linux/inet_diag.h). Netlink headers and attributes are in host order; ports are big-endian and
/// addresses network order, as the kernel copies them from the socket. Nothing here does I/O.
/// </summary>
internal static class SockDiagParser
{
    public const ushort NlmsgError = 2;
    public const ushort NlmsgDone = 3;
    public const ushort SockDiagByFamily = 20;
    public const int NlmsgHeaderLength = 16;
    public const int InetDiagMessageLength = 72;
    public const int InetDiagRequestLength = 56;
    public const int DumpRequestLength = NlmsgHeaderLength + InetDiagRequestLength;

    public const byte AfInet = 2;
    public const byte AfInet6 = 10;
    public const byte IpprotoTcp = 6;
    public const byte IpprotoUdp = 17;

    private const ushort NlmFRequest = 0x1;
    private const ushort NlmFDump = 0x300;
    private const ushort NlmFDumpIntr = 0x10;
    private const ushort InetDiagInfo = 2;
    private const ushort InetDiagProtocol = 10;

    // struct tcp_info offsets (linux/tcp.h). Each field is read only when the attribute is long
    // enough to hold it: the struct grew over the years and an older kernel sends a shorter one.
    private const int TcpiRtt = 68;
    private const int TcpiBytesAcked = 120;
    private const int TcpiBytesReceived = 128;
    private const int TcpiBytesSent = 200;

    /// <summary>Every TCP state except TIME_WAIT: those rows have no inode, no owner and no tcp_info worth reading.</summary>
    public const uint AllStatesButTimeWait = 0xFFFFFFFFu & ~(1u << (int)TcpState.TimeWait);

    /// <summary>
    /// Writes an <c>nlmsghdr</c> + <c>inet_diag_req_v2</c> asking for every socket of one family and
    /// protocol in <paramref name="states"/> (a bit per TCP state), with tcp_info.
    /// </summary>
    public static int WriteDumpRequest(Span<byte> destination, byte family, byte protocol, uint states, uint sequence)
    {
        var message = destination[..DumpRequestLength];
        message.Clear();
        WriteHost(message, (uint)DumpRequestLength);
        WriteHost(message[4..], (ushort)SockDiagByFamily);
        WriteHost(message[6..], (ushort)(NlmFRequest | NlmFDump));
        WriteHost(message[8..], sequence);
        message[16] = family;
        message[17] = protocol;
        message[18] = 1 << (InetDiagInfo - 1);
        WriteHost(message[20..], states);

        // The request's sockid (bytes 24..71) stays zero: no filter, dump everything.
        return DumpRequestLength;
    }

    /// <summary>
    /// Parses one datagram: every SOCK_DIAG_BY_FAMILY message is appended to <paramref name="output"/>.
    /// <paramref name="protocol"/> is the one the request asked for (dump replies do not carry it);
    /// 0 takes it from INET_DIAG_PROTOCOL (destroy notifications carry that attribute).
    /// <paramref name="malformed"/> counts messages or attributes that did not fit; a truncated
    /// header ends the datagram, since nothing after it can be framed.
    /// </summary>
    public static SockDiagDatagram ParseDatagram(ReadOnlySpan<byte> datagram, byte protocol, List<InetDiagSocket> output,
        out int errno, out int malformed, out bool interrupted) =>
        ParseDatagram(datagram, protocol, output, null, out errno, out malformed, out interrupted);

    /// <param name="addresses">Where addresses are interned (null: a new object per address).</param>
    public static SockDiagDatagram ParseDatagram(ReadOnlySpan<byte> datagram, byte protocol, List<InetDiagSocket> output, AddressCache? addresses,
        out int errno, out int malformed, out bool interrupted)
    {
        errno = 0;
        malformed = 0;
        interrupted = false;
        var result = SockDiagDatagram.More;
        while (datagram.Length >= NlmsgHeaderLength)
        {
            var length = ReadHost<uint>(datagram);
            var type = ReadHost<ushort>(datagram[4..]);
            var flags = ReadHost<ushort>(datagram[6..]);
            if (length < NlmsgHeaderLength || length > (uint)datagram.Length)
            {
                malformed++;
                return result;
            }

            var payload = datagram[NlmsgHeaderLength..(int)length];
            interrupted |= (flags & NlmFDumpIntr) != 0;
            switch (type)
            {
                case NlmsgDone:
                    return SockDiagDatagram.Done;
                case NlmsgError:
                    var code = payload.Length >= 4 ? ReadHost<int>(payload) : -1;

                    // errno 0 is an acknowledgement, not a failure.
                    if (code != 0)
                    {
                        errno = -code;
                        return SockDiagDatagram.Error;
                    }

                    break;
                case SockDiagByFamily:
                    if (TryParseMessage(payload, protocol, addresses, out var socket, out var badAttributes))
                    {
                        output.Add(socket);
                    }
                    else
                    {
                        malformed++;
                    }

                    malformed += badAttributes;
                    break;
            }

            var aligned = Align(length);
            if (aligned >= (uint)datagram.Length)
            {
                break;
            }

            datagram = datagram[(int)aligned..];
        }

        if (!datagram.IsEmpty && datagram.Length < NlmsgHeaderLength && datagram.IndexOfAnyExcept((byte)0) >= 0)
        {
            malformed++;
        }

        return result;
    }

    /// <summary>One <c>inet_diag_msg</c> and its attributes (the payload after the netlink header).</summary>
    public static bool TryParseMessage(ReadOnlySpan<byte> payload, byte protocol, out InetDiagSocket socket, out int badAttributes) =>
        TryParseMessage(payload, protocol, null, out socket, out badAttributes);

    /// <param name="addresses">Where addresses are interned (null: a new object per address).</param>
    public static bool TryParseMessage(ReadOnlySpan<byte> payload, byte protocol, AddressCache? addresses, out InetDiagSocket socket, out int badAttributes)
    {
        socket = default;
        badAttributes = 0;
        if (payload.Length < InetDiagMessageLength)
        {
            return false;
        }

        var family = payload[0];
        if (family is not (AfInet or AfInet6))
        {
            return false;
        }

        var state = (TcpState)payload[1];
        var localPort = BinaryPrimitives.ReadUInt16BigEndian(payload[4..]);
        var remotePort = BinaryPrimitives.ReadUInt16BigEndian(payload[6..]);
        var local = ReadAddress(family, payload.Slice(8, 16), addresses);
        var remote = ReadAddress(family, payload.Slice(24, 16), addresses);
        var cookie = ReadHost<uint>(payload[44..]) | ((ulong)ReadHost<uint>(payload[48..]) << 32);
        var receiveQueue = ReadHost<uint>(payload[56..]);
        var sendQueue = ReadHost<uint>(payload[60..]);
        var uid = ReadHost<uint>(payload[64..]);
        var inode = ReadHost<uint>(payload[68..]);

        TcpInfoCounters? info = null;
        var attributes = payload[InetDiagMessageLength..];
        while (attributes.Length >= 4)
        {
            var length = ReadHost<ushort>(attributes);
            var type = (ushort)(ReadHost<ushort>(attributes[2..]) & 0x3FFF);
            if (length < 4 || length > attributes.Length)
            {
                badAttributes++;
                break;
            }

            var value = attributes[4..length];
            if (type == InetDiagProtocol && value.Length >= 1 && protocol == 0)
            {
                protocol = value[0];
            }
            else if (type == InetDiagInfo)
            {
                info = ParseTcpInfo(value);
            }

            var aligned = (int)Align(length);
            if (aligned >= attributes.Length)
            {
                break;
            }

            attributes = attributes[aligned..];
        }

        if (protocol is not (IpprotoTcp or IpprotoUdp))
        {
            return false;
        }

        socket = new InetDiagSocket(family, protocol, state, local, localPort, remote, remotePort, cookie,
            receiveQueue, sendQueue, uid, inode, protocol == IpprotoTcp ? info : null);
        return true;
    }

    /// <summary><c>struct tcp_info</c>; null when even tcpi_rtt is missing (not a TCP info block).</summary>
    public static TcpInfoCounters? ParseTcpInfo(ReadOnlySpan<byte> value)
    {
        if (value.Length < TcpiRtt + 4)
        {
            return null;
        }

        return new TcpInfoCounters(
            value[0],
            ReadHost<uint>(value[TcpiRtt..]),
            ReadOptional(value, TcpiBytesAcked),
            ReadOptional(value, TcpiBytesReceived),
            ReadOptional(value, TcpiBytesSent));
    }

    private static ulong? ReadOptional(ReadOnlySpan<byte> value, int offset) =>
        value.Length >= offset + 8 ? ReadHost<ulong>(value[offset..]) : null;

    private static IPAddress ReadAddress(byte family, ReadOnlySpan<byte> raw, AddressCache? addresses) =>
        addresses is not null ? addresses.Get(family, raw)
        : family == AfInet ? new IPAddress(raw[..4]) : new IPAddress(raw[..16]);

    private static uint Align(uint length) => (length + 3u) & ~3u;

    private static T ReadHost<T>(ReadOnlySpan<byte> source)
        where T : unmanaged => MemoryMarshal.Read<T>(source);

    private static void WriteHost<T>(Span<byte> destination, T value)
        where T : unmanaged => MemoryMarshal.Write(destination, in value);
}
