using System.Globalization;

namespace Atalaya.Platform.Linux.Network.Names;

/// <summary>
/// services(5): <c>name port/protocol [aliases...] [# comment]</c>. The first name listed for a
/// port and protocol wins, as getservbyport(3) answers.
/// </summary>
internal static class ServicesFileParser
{
    public static bool TryParseLine(ReadOnlySpan<char> line, out string name, out int port, out string transport)
    {
        name = "";
        transport = "";
        port = 0;
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

        var service = line[..blank];
        var rest = line[blank..].TrimStart(" \t");
        var end = rest.IndexOfAny(' ', '\t');
        var portAndProtocol = end < 0 ? rest : rest[..end];
        var slash = portAndProtocol.IndexOf('/');
        if (slash <= 0 || !NameText.IsSafeHostName(service)
            || !int.TryParse(portAndProtocol[..slash], NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is <= 0 or > 65535)
        {
            return false;
        }

        var protocol = portAndProtocol[(slash + 1)..];
        if (protocol.IsEmpty || !NameText.IsSafeHostName(protocol))
        {
            return false;
        }

        name = NameText.Lower(service);
        transport = NameText.Lower(protocol);
        return true;
    }

    /// <summary>Every (port, transport) → name; returns the count of malformed lines.</summary>
    public static int Parse(ReadOnlySpan<char> text, Dictionary<(int Port, string Transport), string> into)
    {
        var malformed = 0;
        foreach (var line in text.EnumerateLines())
        {
            var content = line.Trim(" \t\r");
            if (content.IsEmpty || content[0] == '#')
            {
                continue;
            }

            if (TryParseLine(content, out var name, out var port, out var transport))
            {
                into.TryAdd((port, transport), name);
            }
            else
            {
                malformed++;
            }
        }

        return malformed;
    }
}
