using System.Buffers.Binary;
using System.Net;

namespace Atalaya.Platform.Linux.Network.Dns;

/// <summary>
/// Takes the IP packet of a captured DNS response (IPv4 or IPv6, no link header: the capture
/// socket is SOCK_DGRAM) apart: the UDP payload and the client's address and port, which is the
/// socket that asked. The kernel filter already chose UDP from port 53; this checks it all again,
/// because the bytes are a stranger's.
/// </summary>
internal static class DnsPacketParser
{
    private const byte IpprotoUdp = 17;
    private const int UdpHeaderLength = 8;
    private const int DnsPort = 53;

    /// <summary>A response: UDP from port 53 (the server) to the client's port.</summary>
    public static bool TryParse(ReadOnlySpan<byte> packet, out ReadOnlySpan<byte> payload, out IPAddress client, out int clientPort, out IPAddress server) =>
        TryParseUdp(packet, out payload, out server, out var sourcePort, out client, out clientPort) && sourcePort == DnsPort;

    /// <summary>A query: UDP from the client's port to port 53 (the server).</summary>
    public static bool TryParseQuery(ReadOnlySpan<byte> packet, out ReadOnlySpan<byte> payload, out IPAddress client, out int clientPort, out IPAddress server) =>
        TryParseUdp(packet, out payload, out client, out clientPort, out server, out var destinationPort) && destinationPort == DnsPort;

    private static bool TryParseUdp(ReadOnlySpan<byte> packet, out ReadOnlySpan<byte> payload, out IPAddress source, out int sourcePort,
        out IPAddress destination, out int destinationPort)
    {
        payload = default;
        source = IPAddress.None;
        destination = IPAddress.None;
        sourcePort = 0;
        destinationPort = 0;
        if (packet.IsEmpty)
        {
            return false;
        }

        int udpOffset;
        int ipEnd;
        switch (packet[0] >> 4)
        {
            case 4:
                var headerLength = (packet[0] & 0xF) * 4;
                if (headerLength < 20 || packet.Length < headerLength)
                {
                    return false;
                }

                var total = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
                var fragment = BinaryPrimitives.ReadUInt16BigEndian(packet[6..]);

                // A fragment (offset or more-fragments set) carries part of a message: skip it rather than parse half.
                if (packet[9] != IpprotoUdp || (fragment & 0x3FFF) != 0 || total < headerLength || total > packet.Length)
                {
                    return false;
                }

                source = new IPAddress(packet.Slice(12, 4));
                destination = new IPAddress(packet.Slice(16, 4));
                udpOffset = headerLength;
                ipEnd = total;
                break;
            case 6:
                if (packet.Length < 40 || packet[6] != IpprotoUdp)
                {
                    return false;
                }

                var payloadLength = BinaryPrimitives.ReadUInt16BigEndian(packet[4..]);
                if (40 + payloadLength > packet.Length)
                {
                    return false;
                }

                source = new IPAddress(packet.Slice(8, 16));
                destination = new IPAddress(packet.Slice(24, 16));
                udpOffset = 40;
                ipEnd = 40 + payloadLength;
                break;
            default:
                return false;
        }

        if (ipEnd - udpOffset < UdpHeaderLength)
        {
            return false;
        }

        var udp = packet[udpOffset..ipEnd];
        sourcePort = BinaryPrimitives.ReadUInt16BigEndian(udp);
        destinationPort = BinaryPrimitives.ReadUInt16BigEndian(udp[2..]);
        var udpLength = BinaryPrimitives.ReadUInt16BigEndian(udp[4..]);
        if (udpLength < UdpHeaderLength || udpLength > udp.Length)
        {
            return false;
        }

        payload = udp[UdpHeaderLength..udpLength];
        return true;
    }
}
