namespace Atalaya.Platform.Linux.Accounts;

/// <summary>Parses one line of a colon-separated account file into a value, or returns false.</summary>
internal delegate bool ColonLineParser<T>(ReadOnlySpan<char> line, out T value);

/// <summary>
/// The shared mechanics of /etc/passwd, /etc/group and /etc/shadow: split a line into colon fields
/// without allocating, and walk a file's lines counting the malformed ones.
/// </summary>
internal static class ColonFields
{
    /// <summary>Exactly <paramref name="fields"/>.Length fields, or false.</summary>
    public static bool TrySplit(ReadOnlySpan<char> line, Span<Range> fields)
    {
        var count = 0;
        var start = 0;
        for (var i = 0; i <= line.Length; i++)
        {
            if (i < line.Length && line[i] != ':')
            {
                continue;
            }

            if (count == fields.Length)
            {
                return false;
            }

            fields[count++] = start..i;
            start = i + 1;
        }

        return count == fields.Length;
    }

    /// <summary>
    /// All well-formed entries in file order; blank lines are neither entries nor malformed. Lines end at
    /// '\n' only, as libc reads these files (a stray form feed or U+2028 inside a GECOS field is not a line
    /// break); each line parser drops a trailing '\r' itself.
    /// </summary>
    public static IReadOnlyList<T> ParseLines<T>(ReadOnlySpan<char> text, ColonLineParser<T> tryParseLine, out int malformedLines)
    {
        var entries = new List<T>();
        malformedLines = 0;
        var rest = text;
        while (!rest.IsEmpty)
        {
            var newline = rest.IndexOf('\n');
            var line = newline < 0 ? rest : rest[..newline];
            rest = newline < 0 ? default : rest[(newline + 1)..];
            if (line.IsWhiteSpace())
            {
                continue;
            }

            if (tryParseLine(line, out var entry))
            {
                entries.Add(entry);
            }
            else
            {
                malformedLines++;
            }
        }

        return entries;
    }
}
