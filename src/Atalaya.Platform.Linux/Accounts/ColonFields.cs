namespace Atalaya.Platform.Linux.Accounts;

/// <summary>Splits a colon-separated line of /etc/group or /etc/shadow into ranges without allocating.</summary>
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
}
