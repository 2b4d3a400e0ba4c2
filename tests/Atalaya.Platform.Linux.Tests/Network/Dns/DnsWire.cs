using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Atalaya.Platform.Linux.Tests.Network.Dns;

/// <summary>Builds DNS messages and IP/UDP packets byte by byte, for parser tests and the live responder.</summary>
internal static class DnsWire
{
    public static byte[] Name(string name)
    {
        var bytes = new List<byte>();
        foreach (var label in name.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            bytes.Add((byte)label.Length);
            bytes.AddRange(Encoding.ASCII.GetBytes(label));
        }

        bytes.Add(0);
        return [.. bytes];
    }

    public static byte[] Query(ushort id, string name)
    {
        var message = new List<byte>();
        message.AddRange(Header(id, flags: 0x0100, questions: 1, answers: 0));
        message.AddRange(Name(name));
        message.AddRange(new byte[] { 0, 1, 0, 1 });
        return [.. message];
    }

    /// <summary>A response to <paramref name="name"/>: optional CNAME to <paramref name="alias"/>, then A/AAAA records, names compressed to the question (offset 12).</summary>
    public static byte[] Response(ushort id, string name, string? alias, params IPAddress[] addresses)
    {
        var message = new List<byte>();
        var answers = (alias is null ? 0 : 1) + addresses.Length;
        message.AddRange(Header(id, flags: 0x8180, questions: 1, answers: (ushort)answers));
        message.AddRange(Name(name));
        message.AddRange(new byte[] { 0, 1, 0, 1 });
        var owner = new byte[] { 0xC0, 12 };
        if (alias is not null)
        {
            var target = Name(alias);
            message.AddRange(owner);
            message.AddRange(new byte[] { 0, 5, 0, 1, 0, 0, 0, 60 });
            message.AddRange(U16((ushort)target.Length));
            var aliasOffset = message.Count;
            message.AddRange(target);
            owner = [(byte)(0xC0 | (aliasOffset >> 8)), (byte)aliasOffset];
        }

        foreach (var address in addresses)
        {
            var data = address.GetAddressBytes();
            message.AddRange(owner);
            message.AddRange(U16(data.Length == 4 ? (ushort)1 : (ushort)28));
            message.AddRange(new byte[] { 0, 1, 0, 0, 1, 44 });
            message.AddRange(U16((ushort)data.Length));
            message.AddRange(data);
        }

        return [.. message];
    }

    public static byte[] Header(ushort id, ushort flags, ushort questions, ushort answers)
    {
        var header = new byte[12];
        BinaryPrimitives.WriteUInt16BigEndian(header, id);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(2), flags);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(4), questions);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(6), answers);
        return header;
    }

    /// <summary>An IPv4 + UDP packet around <paramref name="payload"/> (checksums left zero: the parser does not check them).</summary>
    public static byte[] Ipv4Udp(IPAddress source, int sourcePort, IPAddress destination, int destinationPort, byte[] payload, ushort fragment = 0)
    {
        var packet = new byte[20 + 8 + payload.Length];
        packet[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(6), fragment);
        packet[8] = 64;
        packet[9] = 17;
        source.GetAddressBytes().CopyTo(packet, 12);
        destination.GetAddressBytes().CopyTo(packet, 16);
        Udp(sourcePort, destinationPort, payload).CopyTo(packet, 20);
        return packet;
    }

    public static byte[] Ipv6Udp(IPAddress source, int sourcePort, IPAddress destination, int destinationPort, byte[] payload)
    {
        var packet = new byte[40 + 8 + payload.Length];
        packet[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)(8 + payload.Length));
        packet[6] = 17;
        packet[7] = 64;
        source.GetAddressBytes().CopyTo(packet, 8);
        destination.GetAddressBytes().CopyTo(packet, 24);
        Udp(sourcePort, destinationPort, payload).CopyTo(packet, 40);
        return packet;
    }

    private static byte[] Udp(int sourcePort, int destinationPort, byte[] payload)
    {
        var udp = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(udp, (ushort)sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(2), (ushort)destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(4), (ushort)udp.Length);
        payload.CopyTo(udp, 8);
        return udp;
    }

    private static byte[] U16(ushort value) => [(byte)(value >> 8), (byte)value];
}
