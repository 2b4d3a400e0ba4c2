using Atalaya.Platform.Linux.Network.SockDiag;

namespace Atalaya.Platform.Linux.Network;

/// <summary>
/// What a TCP socket carried so far, from tcp_info. <see cref="BytesSent"/> is payload sent
/// (tcpi_bytes_sent, retransmissions included); <see cref="BytesReceived"/> is sequence space
/// received (tcpi_bytes_received), which counts the peer's FIN as one byte once it arrived — so a
/// closed connection reports at most one byte more than the peer's payload. tcp_info has no
/// counter without that byte; the difference is documented rather than guessed away (an RST close
/// has no FIN to subtract).
/// </summary>
internal readonly record struct SocketTraffic(long? BytesSent, long? BytesReceived, long? RttMicroseconds, bool HandshakeCompleted)
{
    public static SocketTraffic? From(TcpInfoCounters? info)
    {
        if (info is not { } i)
        {
            return null;
        }

        // bytes_acked counts our SYN once the peer acknowledged it: 0 means the handshake never
        // completed on the connecting side (refused, filtered, timed out). An accepted socket always
        // completed it, and its bytes_acked may legitimately be 0 when it sent nothing.
        var completed = i.BytesAcked is not 0 || i.BytesReceived is > 0 || i.RttMicroseconds > 0;
        return new SocketTraffic(ToLong(i.BytesSent), ToLong(i.BytesReceived), i.RttMicroseconds, completed);
    }

    private static long? ToLong(ulong? value) => value is { } v ? (long)Math.Min(v, long.MaxValue) : null;
}
