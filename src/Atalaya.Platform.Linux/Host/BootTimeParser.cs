using System.Globalization;

namespace Atalaya.Platform.Linux.Host;

/// <summary>Finds <c>btime</c> in <c>/proc/stat</c>: boot time in whole seconds since the Unix epoch.</summary>
public static class BootTimeParser
{
    public static bool TryParse(ReadOnlySpan<char> text, out long value)
    {
        value = 0;
        var rest = text;
        while (!rest.IsEmpty)
        {
            var newline = rest.IndexOf('\n');
            var line = newline < 0 ? rest : rest[..newline];
            rest = newline < 0 ? default : rest[(newline + 1)..];
            if (line.StartsWith("btime "))
            {
                return long.TryParse(line[6..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out value);
            }
        }

        return false;
    }
}
