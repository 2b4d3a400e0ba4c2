using System.Buffers.Binary;
using System.Net;

namespace Atalaya.Platform.Linux.Network.Dns;

/// <summary>
/// Reads the answers of a DNS response (RFC 1035 section 4) from bytes anyone on the network can
/// send: every read is bounds-checked, compression pointers may only point backwards and are
/// followed at most <see cref="MaxPointerJumps"/> times (a pointer loop ends there), names are
/// limited to 255 octets and printable ASCII, and counts never drive allocation. A malformed
/// message gives false, never an exception.
/// </summary>
internal static class DnsMessageParser
{
    public const int HeaderLength = 12;
    public const int MaxNameLength = 255;
    public const int MaxPointerJumps = 16;

    /// <summary>Answers beyond this many in one message are ignored (a response lists a handful).</summary>
    public const int MaxAnswers = 64;

    private const ushort TypeA = 1;
    private const ushort TypeCname = 5;
    private const ushort TypeAaaa = 28;
    private const ushort ClassIn = 1;

    /// <summary>
    /// A query (QR clear, opcode QUERY, one question): its id and the name asked, lower-cased as
    /// <see cref="TryReadName"/> gives it, so that a response's question compares equal whatever the
    /// resolver's case randomization (0x20) did to it.
    /// </summary>
    public static bool TryParseQuery(ReadOnlySpan<byte> message, out ushort id, out string name)
    {
        id = 0;
        name = string.Empty;
        if (message.Length < HeaderLength)
        {
            return false;
        }

        var flags = BinaryPrimitives.ReadUInt16BigEndian(message[2..]);
        if ((flags & 0x8000) != 0 || ((flags >> 11) & 0xF) != 0 || !TryParseQuestion(message, out name))
        {
            return false;
        }

        id = BinaryPrimitives.ReadUInt16BigEndian(message);
        return true;
    }

    /// <summary>The name of the message's one question (lower-cased); false without exactly one.</summary>
    public static bool TryParseQuestion(ReadOnlySpan<byte> message, out string name)
    {
        name = string.Empty;
        if (message.Length < HeaderLength || BinaryPrimitives.ReadUInt16BigEndian(message[4..]) != 1)
        {
            return false;
        }

        var offset = HeaderLength;
        return TryReadName(message, ref offset, out name);
    }

    /// <summary>
    /// Appends the A and AAAA answers of the response in <paramref name="message"/> to
    /// <paramref name="into"/>, each tied to the question's name. false (nothing appended) when the
    /// message is not a well-formed response with one question.
    /// </summary>
    public static bool TryParseResponse(ReadOnlySpan<byte> message, List<DnsAnswer> into)
    {
        if (message.Length < HeaderLength)
        {
            return false;
        }

        var flags = BinaryPrimitives.ReadUInt16BigEndian(message[2..]);
        var questions = BinaryPrimitives.ReadUInt16BigEndian(message[4..]);
        var answers = BinaryPrimitives.ReadUInt16BigEndian(message[6..]);

        // QR must say "response"; opcode 0 (QUERY). Resolvers ask one question per message; a
        // response with more is unusual enough that guessing which name an address belongs to is worse than skipping it.
        if ((flags & 0x8000) == 0 || ((flags >> 11) & 0xF) != 0 || questions != 1)
        {
            return false;
        }

        var offset = HeaderLength;
        if (!TryReadName(message, ref offset, out var queryName) || offset + 4 > message.Length)
        {
            return false;
        }

        offset += 4;
        var before = into.Count;
        string? canonical = null;
        var kept = 0;
        for (var i = 0; i < answers && kept < MaxAnswers; i++)
        {
            if (!TryReadName(message, ref offset, out var owner) || offset + 10 > message.Length)
            {
                into.RemoveRange(before, into.Count - before);
                return false;
            }

            var type = BinaryPrimitives.ReadUInt16BigEndian(message[offset..]);
            var @class = BinaryPrimitives.ReadUInt16BigEndian(message[(offset + 2)..]);
            var ttl = BinaryPrimitives.ReadUInt32BigEndian(message[(offset + 4)..]);
            var length = BinaryPrimitives.ReadUInt16BigEndian(message[(offset + 8)..]);
            offset += 10;
            if (length > message.Length - offset)
            {
                into.RemoveRange(before, into.Count - before);
                return false;
            }

            var data = message.Slice(offset, length);
            if (@class == ClassIn)
            {
                switch (type)
                {
                    case TypeA when length == 4:
                        into.Add(new DnsAnswer(queryName, new IPAddress(data), CanonicalOf(owner, queryName, canonical), ttl));
                        kept++;
                        break;
                    case TypeAaaa when length == 16:
                        into.Add(new DnsAnswer(queryName, new IPAddress(data), CanonicalOf(owner, queryName, canonical), ttl));
                        kept++;
                        break;
                    case TypeCname:
                        // The target is read from the whole message: it may point into earlier records.
                        var target = offset;
                        if (!TryReadName(message, ref target, out var alias) || target > offset + length)
                        {
                            into.RemoveRange(before, into.Count - before);
                            return false;
                        }

                        canonical = alias;
                        break;
                }
            }

            offset += length;
        }

        return true;
    }

    /// <summary>
    /// Reads a possibly compressed name at <paramref name="offset"/>, leaving <paramref name="offset"/>
    /// after it (after the first pointer when compressed). Lower-cased, without the root dot; the
    /// root itself reads as ".".
    /// </summary>
    public static bool TryReadName(ReadOnlySpan<byte> message, ref int offset, out string name)
    {
        name = "";
        Span<char> text = stackalloc char[MaxNameLength + 1];
        var written = 0;
        var position = offset;
        var resume = -1;
        var jumps = 0;

        // The octets a name occupies on the wire, counted like RFC 1035's 255 limit (length bytes included).
        var wireLength = 0;
        while (true)
        {
            if (position >= message.Length)
            {
                return false;
            }

            var length = message[position];
            if ((length & 0xC0) == 0xC0)
            {
                if (position + 1 >= message.Length || ++jumps > MaxPointerJumps)
                {
                    return false;
                }

                var target = ((length & 0x3F) << 8) | message[position + 1];

                // Only backwards: a forward or self pointer is how loops and out-of-message reads are built.
                if (target >= position)
                {
                    return false;
                }

                if (resume < 0)
                {
                    resume = position + 2;
                }

                position = target;
                continue;
            }

            if ((length & 0xC0) != 0)
            {
                // 0x40 and 0x80 are the obsolete extended label types; nobody sends them in answers.
                return false;
            }

            wireLength += length + 1;
            if (wireLength > MaxNameLength)
            {
                return false;
            }

            if (length == 0)
            {
                offset = resume >= 0 ? resume : position + 1;
                name = written == 0 ? "." : new string(text[..written]);
                return true;
            }

            if (position + 1 + length > message.Length)
            {
                return false;
            }

            if (written > 0)
            {
                text[written++] = '.';
            }

            foreach (var b in message.Slice(position + 1, length))
            {
                // Printable ASCII without the dot (a dot inside a label would forge a name boundary)
                // and without characters that make names unsafe to print.
                if (b is <= 0x20 or >= 0x7F or (byte)'.' or (byte)'\\')
                {
                    return false;
                }

                text[written++] = (char)(b is >= (byte)'A' and <= (byte)'Z' ? b + 32 : b);
            }

            position += 1 + length;
        }
    }

    private static string? CanonicalOf(string owner, string queryName, string? canonical) =>
        string.Equals(owner, queryName, StringComparison.Ordinal) ? canonical : owner;
}
