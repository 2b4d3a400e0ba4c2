using System.Globalization;
using Atalaya.Platform.Linux.Accounts;

namespace Atalaya.Platform.Linux.Host;

/// <summary>Parses <c>/etc/passwd</c>. Malformed lines are skipped and counted, never fatal.</summary>
public static class PasswdParser
{
    /// <summary>All well-formed entries in file order; blank lines are neither entries nor malformed.</summary>
    public static IReadOnlyList<PasswdEntry> Parse(ReadOnlySpan<char> text, out int malformedLines) =>
        ColonFields.ParseLines<PasswdEntry>(text, TryParseLine, out malformedLines);

    /// <summary>
    /// Exactly seven fields with numeric uid and gid. NIS compat lines (<c>+user</c>, <c>-user</c>,
    /// <c>+</c>) name no local uid and are treated as malformed, as are comments (passwd has none).
    /// </summary>
    public static bool TryParseLine(ReadOnlySpan<char> line, out PasswdEntry value)
    {
        value = null!;
        line = line.TrimEnd('\r');
        Span<Range> fields = stackalloc Range[7];
        if (!ColonFields.TrySplit(line, fields))
        {
            return false;
        }

        var name = line[fields[0]];
        if (name.IsEmpty || name[0] is '+' or '-' or '#'
            || !uint.TryParse(line[fields[2]], NumberStyles.None, CultureInfo.InvariantCulture, out var uid)
            || !uint.TryParse(line[fields[3]], NumberStyles.None, CultureInfo.InvariantCulture, out var gid))
        {
            return false;
        }

        value = new PasswdEntry(name.ToString(), uid, gid, line[fields[4]].ToString(), line[fields[5]].ToString(), line[fields[6]].ToString());
        return true;
    }
}
