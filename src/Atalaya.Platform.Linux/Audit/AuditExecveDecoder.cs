using System.Globalization;

namespace Atalaya.Platform.Linux.Audit;

/// <summary>
/// argv from the EXECVE records of one event. The kernel writes <c>argc=N a0=.. a1=..</c>; an argument
/// longer than one record allows is split as <c>aI_len=L aI[0]=.. aI[1]=..</c>, and a long argv spans
/// several EXECVE records. Each piece is quoted or hex on its own (hex when the whole argument needs
/// it); pieces are decoded and concatenated. Arguments are bytes, exactly as passed to execve.
/// <c>aI_len</c> is the logged length: for a hex-encoded argument, twice its byte length.
/// </summary>
public static class AuditExecveDecoder
{
    /// <summary>
    /// False when the records do not give every argument from 0 to argc-1 (the kernel failed to copy
    /// one, or a record was lost); <paramref name="args"/> then holds what was recovered, in order.
    /// </summary>
    public static bool TryDecode(IEnumerable<AuditRecord> execveRecords, out List<byte[]> args)
    {
        ArgumentNullException.ThrowIfNull(execveRecords);
        var argc = -1;
        var whole = new Dictionary<int, byte[]>();
        var pieces = new Dictionary<int, SortedDictionary<int, byte[]>>();
        var lengths = new Dictionary<int, long>();
        var hexPieces = new HashSet<int>();
        var ok = true;
        foreach (var record in execveRecords)
        {
            foreach (var field in record.Fields)
            {
                var key = field.Key.AsSpan();
                if (key.SequenceEqual("argc"))
                {
                    ok &= int.TryParse(field.Value, NumberStyles.None, CultureInfo.InvariantCulture, out argc);
                    continue;
                }

                if (key.Length < 2 || key[0] != 'a' || !char.IsAsciiDigit(key[1]))
                {
                    continue;
                }

                var digits = 1;
                while (digits < key.Length && char.IsAsciiDigit(key[digits]))
                {
                    digits++;
                }

                if (!int.TryParse(key[1..digits], NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    continue;
                }

                var suffix = key[digits..];
                if (suffix.IsEmpty)
                {
                    ok &= AuditValue.TryDecode(field, out var bytes);
                    whole[index] = bytes;
                }
                else if (suffix.SequenceEqual("_len"))
                {
                    if (long.TryParse(field.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var length))
                    {
                        lengths[index] = length;
                    }
                }
                else if (suffix.Length > 2 && suffix[0] == '[' && suffix[^1] == ']'
                    && int.TryParse(suffix[1..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var part))
                {
                    ok &= AuditValue.TryDecode(field, out var bytes);
                    if (!pieces.TryGetValue(index, out var parts))
                    {
                        parts = [];
                        pieces[index] = parts;
                    }

                    parts[part] = bytes;
                    if (!field.Quoted)
                    {
                        hexPieces.Add(index);
                    }
                }
            }
        }

        var count = argc >= 0 ? argc : Math.Max(whole.Count == 0 ? 0 : whole.Keys.Max() + 1, pieces.Count == 0 ? 0 : pieces.Keys.Max() + 1);
        args = new List<byte[]>(count);
        for (var i = 0; i < count; i++)
        {
            if (whole.TryGetValue(i, out var bytes))
            {
                args.Add(bytes);
            }
            else if (pieces.TryGetValue(i, out var parts))
            {
                var joined = Concat(parts);
                // aI_len counts the characters logged: twice the bytes when the argument was hex-encoded.
                ok &= !lengths.TryGetValue(i, out var expected) || expected == (hexPieces.Contains(i) ? 2L * joined.Length : joined.Length);
                args.Add(joined);
            }
            else
            {
                ok = false;
                args.Add([]);
            }
        }

        return ok && argc >= 0;
    }

    private static byte[] Concat(SortedDictionary<int, byte[]> parts)
    {
        var total = parts.Values.Sum(p => p.Length);
        var joined = new byte[total];
        var at = 0;
        // A missing piece leaves a gap that the aI_len check reports; the pieces we have stay in order.
        foreach (var bytes in parts.Values)
        {
            bytes.CopyTo(joined, at);
            at += bytes.Length;
        }

        return joined;
    }
}
