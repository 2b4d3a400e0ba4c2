using System.Buffers.Binary;
using System.Globalization;
using System.Net;

namespace Atalaya.Platform.Linux.Network;

/// <summary>
/// Forward-only parser for one line of <c>/proc/net/{tcp,tcp6,udp,udp6}</c>
/// (net/ipv4/tcp_ipv4.c <c>get_tcp4_sock</c>, net/ipv6/tcp_ipv6.c, net/ipv4/udp.c):
/// <c>sl local_address rem_address st tx_queue:rx_queue tr:tm-&gt;when retrnsmt uid timeout inode ...</c>.
/// Text in, value out: the reader that opens the file is separate.
/// </summary>
internal static class ProcNetParser
{
    private const int Ipv4HexLength = 8;
    private const int Ipv6HexLength = 32;

    /// <summary>
    /// Parses one table row. Returns false for the header line and for anything malformed
    /// (truncated, wrong address width for the table, non-hex digits); the caller counts those.
    /// Columns after <c>inode</c> (ref, pointer, drops...) differ between tcp and udp and are ignored.
    /// </summary>
    public static bool TryParseLine(ReadOnlySpan<char> line, bool ipv6, out ProcNetSocket socket)
    {
        socket = default;
        var rest = line;

        // sl: "12:" (a slot number with a colon); the header has "sl" here instead.
        if (!NextToken(ref rest, out var slot) || slot.Length < 2 || slot[^1] != ':' || !IsDecimal(slot[..^1]))
        {
            return false;
        }

        if (!NextToken(ref rest, out var local) || !TryParseEndpoint(local, ipv6, out var localAddress, out var localPort))
        {
            return false;
        }

        if (!NextToken(ref rest, out var remote) || !TryParseEndpoint(remote, ipv6, out var remoteAddress, out var remotePort))
        {
            return false;
        }

        if (!NextToken(ref rest, out var st) || st.Length != 2 || !TryParseHex(st, out var state))
        {
            return false;
        }

        if (!NextToken(ref rest, out var queues) || !TryParseHexPair(queues, out var txQueue, out var rxQueue))
        {
            return false;
        }

        // tr:tm->when, retrnsmt: timer details this parser has no use for, but they must be there.
        if (!NextToken(ref rest, out _) || !NextToken(ref rest, out _))
        {
            return false;
        }

        if (!NextToken(ref rest, out var uidText) || !uint.TryParse(uidText, NumberStyles.None, CultureInfo.InvariantCulture, out var uid))
        {
            return false;
        }

        // timeout
        if (!NextToken(ref rest, out _))
        {
            return false;
        }

        if (!NextToken(ref rest, out var inodeText) || !long.TryParse(inodeText, NumberStyles.None, CultureInfo.InvariantCulture, out var inode))
        {
            return false;
        }

        socket = new ProcNetSocket(localAddress, localPort, remoteAddress, remotePort, (TcpState)state, txQueue, rxQueue, uid, inode);
        return true;
    }

    private static bool NextToken(ref ReadOnlySpan<char> rest, out ReadOnlySpan<char> token)
    {
        var start = 0;
        while (start < rest.Length && IsSeparator(rest[start]))
        {
            start++;
        }

        var end = start;
        while (end < rest.Length && !IsSeparator(rest[end]))
        {
            end++;
        }

        token = rest[start..end];
        rest = rest[end..];
        return !token.IsEmpty;
    }

    // A trailing '\r' or '\n' is treated as whitespace so a caller that split on '\n' alone still parses.
    private static bool IsSeparator(char c) => c is ' ' or '\t' or '\r' or '\n';

    /// <summary>"0100007F:0016": the address in the kernel's word order, a colon, then the port as 4 hex digits.</summary>
    private static bool TryParseEndpoint(ReadOnlySpan<char> text, bool ipv6, out IPAddress address, out int port)
    {
        address = IPAddress.None;
        port = 0;
        var addressLength = ipv6 ? Ipv6HexLength : Ipv4HexLength;
        if (text.Length != addressLength + 5 || text[addressLength] != ':')
        {
            return false;
        }

        if (!TryParseHex(text[(addressLength + 1)..], out var portValue))
        {
            return false;
        }

        // The kernel prints each 32-bit word of the address with %08X after loading it from memory in
        // host order, so writing each word back in host order restores the network-order bytes
        // (0100007F -> 7F 00 00 01 on little-endian). IPv6 is four such words.
        Span<byte> bytes = stackalloc byte[16];
        var words = addressLength / 8;
        for (var i = 0; i < words; i++)
        {
            if (!TryParseHex(text.Slice(i * 8, 8), out var word))
            {
                return false;
            }

            if (BitConverter.IsLittleEndian)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(bytes[(i * 4)..], word);
            }
            else
            {
                BinaryPrimitives.WriteUInt32BigEndian(bytes[(i * 4)..], word);
            }
        }

        address = new IPAddress(bytes[..(words * 4)]);
        port = (int)portValue;
        return true;
    }

    /// <summary>"00000000:00000064": tx_queue and rx_queue, each up to 8 hex digits.</summary>
    private static bool TryParseHexPair(ReadOnlySpan<char> text, out uint first, out uint second)
    {
        second = 0;
        var colon = text.IndexOf(':');
        if (colon < 0)
        {
            first = 0;
            return false;
        }

        return TryParseHex(text[..colon], out first) & TryParseHex(text[(colon + 1)..], out second);
    }

    /// <summary>1 to 8 hex digits, nothing else: no sign, no 0x prefix, no spaces.</summary>
    private static bool TryParseHex(ReadOnlySpan<char> text, out uint value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > 8)
        {
            return false;
        }

        foreach (var c in text)
        {
            var digit = HexDigit(c);
            if (digit < 0)
            {
                return false;
            }

            value = (value << 4) | (uint)digit;
        }

        return true;
    }

    private static int HexDigit(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'A' and <= 'F' => c - 'A' + 10,
        >= 'a' and <= 'f' => c - 'a' + 10,
        _ => -1,
    };

    private static bool IsDecimal(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        return !text.IsEmpty;
    }
}
