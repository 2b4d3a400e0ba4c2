namespace Atalaya.Platform.Linux.Packages;

/// <summary>
/// Parses <c>/var/lib/dpkg/info/PACKAGE.md5sums</c>: <c>32 hex digits, two spaces, path</c>, where the
/// path is relative to the root without its leading slash (<c>bin/ls</c> means <c>/bin/ls</c>).
/// Conffiles are not listed: their digests live in the status file.
/// </summary>
public static class DpkgMd5sumsParser
{
    private const int DigestChars = 32;

    /// <summary>
    /// Adds each (absolute path, 16-byte digest) to <paramref name="digests"/>; returns the number of
    /// malformed lines (short, bad hex, missing separator, empty path).
    /// </summary>
    public static int Parse(ReadOnlySpan<char> text, IDictionary<string, byte[]> digests)
    {
        ArgumentNullException.ThrowIfNull(digests);
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

            if (TryParseLine(line, out var path, out var digest))
            {
                digests[path] = digest;
            }
            else
            {
                malformed++;
            }
        }

        return malformed;
    }

    public static bool TryParseLine(ReadOnlySpan<char> line, out string path, out byte[] digest)
    {
        path = string.Empty;
        digest = [];
        // md5sum(1) writes "  " (text mode) or " *" (binary mode); dpkg writes the former.
        if (line.Length < DigestChars + 3 || line[DigestChars] != ' ' || (line[DigestChars + 1] != ' ' && line[DigestChars + 1] != '*'))
        {
            return false;
        }

        var hex = line[..DigestChars];
        foreach (var c in hex)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        var relative = line[(DigestChars + 2)..];
        if (relative.IsEmpty || relative.Contains('\0'))
        {
            return false;
        }

        digest = Convert.FromHexString(hex);
        path = relative[0] == '/' ? relative.ToString() : string.Concat("/", relative);
        return true;
    }
}
