using System.Buffers.Binary;

namespace Atalaya.Platform.Linux.Audit;

/// <summary>
/// <c>struct nlmsghdr</c> framing: 16-byte header, payload padded to 4 bytes (host order; the
/// supported architectures are little-endian).
/// </summary>
public static class NetlinkFrame
{
    public const int HeaderSize = 16;
    public const ushort FlagRequest = 0x1;
    public const ushort FlagMulti = 0x2;
    public const ushort FlagAck = 0x4;

    public static int Align(int length) => (length + 3) & ~3;

    public static byte[] Build(ushort type, ushort flags, uint sequence, ReadOnlySpan<byte> payload)
    {
        var message = new byte[Align(HeaderSize + payload.Length)];
        BinaryPrimitives.WriteUInt32LittleEndian(message, (uint)(HeaderSize + payload.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(4), type);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(6), flags);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(8), sequence);
        payload.CopyTo(message.AsSpan(HeaderSize));
        return message;
    }

    /// <summary>
    /// The message of one audit datagram. The kernel sends every audit message (record, reply, ack) as
    /// its own datagram, and old kernels set <c>nlmsg_len</c> without the header, so the datagram length
    /// is what bounds the payload (any tail padding is zeros, which the record parser trims).
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> datagram, out ushort type, out ushort flags, out uint sequence, out ReadOnlySpan<byte> payload)
    {
        if (datagram.Length < HeaderSize)
        {
            type = 0;
            flags = 0;
            sequence = 0;
            payload = default;
            return false;
        }

        type = BinaryPrimitives.ReadUInt16LittleEndian(datagram[4..]);
        flags = BinaryPrimitives.ReadUInt16LittleEndian(datagram[6..]);
        sequence = BinaryPrimitives.ReadUInt32LittleEndian(datagram[8..]);
        payload = datagram[HeaderSize..];
        return true;
    }

    /// <summary>The errno of an NLMSG_ERROR payload (0 is an ACK), as a positive number.</summary>
    public static int ErrorOf(ReadOnlySpan<byte> payload) =>
        payload.Length < 4 ? 0 : -BinaryPrimitives.ReadInt32LittleEndian(payload);
}
