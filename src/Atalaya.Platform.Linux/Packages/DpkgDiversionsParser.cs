namespace Atalaya.Platform.Linux.Packages;

/// <summary>
/// Parses <c>/var/lib/dpkg/diversions</c>: groups of three lines (original path, diverted-to path,
/// diverting package or ":" for a local diversion). Without it a diverted file would be verified
/// against the wrong package's digest and reported as modified (here: /usr/bin/pg_config).
/// </summary>
public static class DpkgDiversionsParser
{
    /// <summary>Appends each diversion; returns the number of malformed groups (a trailing incomplete group counts).</summary>
    public static int Parse(ReadOnlySpan<char> text, ICollection<DpkgDiversion> diversions)
    {
        ArgumentNullException.ThrowIfNull(diversions);
        var malformed = 0;
        string? original = null;
        string? divertedTo = null;
        while (!text.IsEmpty)
        {
            var end = text.IndexOf('\n');
            var line = end < 0 ? text : text[..end];
            text = end < 0 ? [] : text[(end + 1)..];
            if (original is null)
            {
                original = line.ToString();
            }
            else if (divertedTo is null)
            {
                divertedTo = line.ToString();
            }
            else
            {
                if (original.StartsWith('/') && divertedTo.StartsWith('/') && !line.IsEmpty)
                {
                    diversions.Add(new DpkgDiversion(original, divertedTo, line.SequenceEqual(":") ? null : line.ToString()));
                }
                else
                {
                    malformed++;
                }

                original = divertedTo = null;
            }
        }

        return original is null ? malformed : malformed + 1;
    }
}
