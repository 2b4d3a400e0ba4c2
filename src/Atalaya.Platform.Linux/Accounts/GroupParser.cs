using System.Globalization;

namespace Atalaya.Platform.Linux.Accounts;

/// <summary>Parses /etc/group. Malformed lines are counted and skipped.</summary>
public static class GroupParser
{
    public static IReadOnlyList<GroupEntry> Parse(ReadOnlySpan<char> text, out int malformedLines) =>
        ColonFields.ParseLines<GroupEntry>(text, TryParseLine, out malformedLines);

    public static bool TryParseLine(ReadOnlySpan<char> line, out GroupEntry value)
    {
        value = null!;
        line = line.TrimEnd('\r');
        Span<Range> fields = stackalloc Range[4];
        if (!ColonFields.TrySplit(line, fields))
        {
            return false;
        }

        var name = line[fields[0]];
        if (name.IsEmpty || name[0] is '+' or '-' or '#'
            || !uint.TryParse(line[fields[2]], NumberStyles.None, CultureInfo.InvariantCulture, out var gid))
        {
            return false;
        }

        var members = new List<string>();
        var rest = line[fields[3]];
        while (!rest.IsEmpty)
        {
            var comma = rest.IndexOf(',');
            var member = (comma < 0 ? rest : rest[..comma]).Trim();
            if (!member.IsEmpty)
            {
                members.Add(member.ToString());
            }

            rest = comma < 0 ? default : rest[(comma + 1)..];
        }

        value = new GroupEntry(name.ToString(), gid, members);
        return true;
    }
}
