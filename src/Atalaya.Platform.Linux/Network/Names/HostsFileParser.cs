using System.Net;

namespace Atalaya.Platform.Linux.Network.Names;

/// <summary>
/// hosts(5): an address, then a canonical name and aliases, separated by blanks; '#' starts a
/// comment. The first line naming an address wins, as in glibc's files backend.
/// </summary>
internal static class HostsFileParser
{
    /// <summary>Reads one line; false for blank, comment-only and malformed lines.</summary>
    public static bool TryParseLine(ReadOnlySpan<char> line, out IPAddress address, out string canonicalName)
    {
        address = IPAddress.None;
        canonicalName = "";
        var hash = line.IndexOf('#');
        if (hash >= 0)
        {
            line = line[..hash];
        }

        line = line.Trim(" \t\r");
        var blank = line.IndexOfAny(' ', '\t');
        if (blank <= 0)
        {
            return false;
        }

        // A zone id (fe80::1%eth0) is legal in hosts; IPAddress parses it.
        if (!IPAddress.TryParse(line[..blank], out var parsed))
        {
            return false;
        }

        var rest = line[blank..].TrimStart(" \t");
        var end = rest.IndexOfAny(' ', '\t');
        var name = end < 0 ? rest : rest[..end];
        if (name.IsEmpty || !NameText.IsSafeHostName(name))
        {
            return false;
        }

        address = parsed;
        canonicalName = NameText.Lower(name);
        return true;
    }

    /// <summary>Every address → canonical name in <paramref name="text"/>; returns the count of malformed lines.</summary>
    public static int Parse(ReadOnlySpan<char> text, Dictionary<IPAddress, string> into)
    {
        var malformed = 0;
        foreach (var line in text.EnumerateLines())
        {
            var content = line.Trim(" \t\r");
            if (content.IsEmpty || content[0] == '#')
            {
                continue;
            }

            if (TryParseLine(content, out var address, out var name))
            {
                into.TryAdd(address, name);
            }
            else
            {
                malformed++;
            }
        }

        return malformed;
    }
}
