namespace Atalaya.Platform.Linux.Packages;

/// <summary>
/// Parses a dpkg file list (<c>/var/lib/dpkg/info/PACKAGE.list</c>): one absolute path per line,
/// directories included, the root written as <c>/.</c>. dpkg refuses file names with a newline, so a
/// line is a path; anything not starting with '/' is counted as malformed and skipped.
/// </summary>
public static class DpkgListParser
{
    /// <summary>Appends each path to <paramref name="paths"/>; returns the number of malformed lines.</summary>
    public static int Parse(ReadOnlySpan<char> text, ICollection<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var malformed = 0;
        while (!text.IsEmpty)
        {
            var end = text.IndexOf('\n');
            var line = end < 0 ? text : text[..end];
            text = end < 0 ? [] : text[(end + 1)..];
            if (line.IsEmpty)
            {
                continue;
            }

            if (line.SequenceEqual("/."))
            {
                continue;
            }

            if (line[0] != '/' || line.Contains('\0'))
            {
                malformed++;
                continue;
            }

            paths.Add(line.ToString());
        }

        return malformed;
    }
}
