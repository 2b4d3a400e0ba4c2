using System.Globalization;

namespace Atalaya.Platform.Linux.Host;

/// <summary>Parses <c>/etc/group</c> (group(5): name:password:gid:members). Malformed lines are skipped and counted.</summary>
public static class GroupParser
{
    /// <summary>gid → name, the first line for a gid winning as getgrgid does.</summary>
    public static IReadOnlyDictionary<uint, string> Parse(ReadOnlySpan<char> text, out int malformedLines)
    {
        var names = new Dictionary<uint, string>();
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

            if (TryParseLine(line, out var name, out var gid))
            {
                names.TryAdd(gid, name);
            }
            else
            {
                malformedLines++;
            }
        }

        return names;
    }

    /// <summary>Exactly four fields with a numeric gid; NIS compat lines (+/-) are malformed.</summary>
    public static bool TryParseLine(ReadOnlySpan<char> line, out string name, out uint gid)
    {
        name = string.Empty;
        gid = 0;
        line = line.TrimEnd('\r');
        var first = line.IndexOf(':');
        if (first <= 0 || line[0] is '+' or '-' or '#')
        {
            return false;
        }

        var afterName = line[(first + 1)..];
        var second = afterName.IndexOf(':');
        if (second < 0)
        {
            return false;
        }

        var afterPassword = afterName[(second + 1)..];
        var third = afterPassword.IndexOf(':');
        if (third < 0 || afterPassword[(third + 1)..].Contains(':')
            || !uint.TryParse(afterPassword[..third], NumberStyles.None, CultureInfo.InvariantCulture, out gid))
        {
            return false;
        }

        name = line[..first].ToString();
        return true;
    }
}
