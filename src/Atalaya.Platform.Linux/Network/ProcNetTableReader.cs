namespace Atalaya.Platform.Linux.Network;

/// <summary>The I/O half of <see cref="ProcNetParser"/>: reads one table file and parses its rows.</summary>
internal static class ProcNetTableReader
{
    /// <summary>
    /// Appends every well-formed row of <paramref name="table"/> to <paramref name="into"/>.
    /// Returns false when the file does not exist, which is normal for tcp6/udp6 when IPv6 is
    /// disabled (ipv6.disable=1) and for udp/tcp in a stripped-down container.
    /// </summary>
    public static bool TryRead(string procRoot, ProcNetTable table, List<ProcNetSocket> into, out int malformed)
    {
        malformed = 0;
        string text;
        try
        {
            // One read of the whole file: seq_file walks the hash tables in chunks, so rows can
            // still shift between chunks on a busy host, but fewer reads mean fewer seams.
            text = File.ReadAllText(Path.Join(procRoot, "net", table.FileName));
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        catch (DirectoryNotFoundException)
        {
            return false;
        }

        var rest = text.AsSpan();
        var first = true;
        while (!rest.IsEmpty)
        {
            var newline = rest.IndexOf('\n');
            var line = newline < 0 ? rest : rest[..newline];
            rest = newline < 0 ? [] : rest[(newline + 1)..];

            // The header is the first line; blank lines are not rows.
            if (first || line.IsWhiteSpace())
            {
                first = false;
                continue;
            }

            if (ProcNetParser.TryParseLine(line, table.Ipv6, out var socket))
            {
                into.Add(socket);
            }
            else
            {
                malformed++;
            }
        }

        return true;
    }
}
