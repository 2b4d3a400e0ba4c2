namespace Atalaya.Core.Analytics;

/// <summary>
/// Facts about a Linux path from its text alone (no file system access): temporary, user-writable,
/// hidden. Used by analytics; exact prefixes, not substrings, so <c>/usr/lib/tmpfiles.d</c> is not "temp".
/// </summary>
public static class PathClassifier
{
    private static readonly string[] TempPrefixes = ["/tmp/", "/var/tmp/", "/dev/shm/"];

    // Places an unprivileged user (or a compromised service account) can write to; binaries
    // that run from here were not installed by the package manager.
    private static readonly string[] UserWritablePrefixes =
        ["/tmp/", "/var/tmp/", "/dev/shm/", "/home/", "/root/", "/run/user/", "/var/www/", "/run/shm/"];

    public static bool IsTemporary(string path) => StartsWithAny(path, TempPrefixes);

    public static bool IsUserWritable(string path) => StartsWithAny(path, UserWritablePrefixes);

    /// <summary>The temp directory a path lives under (<c>/tmp</c>), or null.</summary>
    public static string? TemporaryRoot(string path)
    {
        foreach (var prefix in TempPrefixes)
        {
            if (path.StartsWith(prefix, StringComparison.Ordinal))
            {
                return prefix[..^1];
            }
        }

        return null;
    }

    /// <summary>
    /// True when a directory (not the file name itself) on the path starts with a dot, e.g.
    /// <c>/tmp/.X11-unix/.x/miner</c>. Dot files as the last segment are common and not counted.
    /// </summary>
    public static bool HasHiddenDirectory(string path)
    {
        var span = path.AsSpan();
        var lastSlash = span.LastIndexOf('/');
        if (lastSlash <= 0)
        {
            return false;
        }

        var directories = span[..lastSlash];
        while (directories.Length > 0)
        {
            var slash = directories.IndexOf('/');
            var segment = slash < 0 ? directories : directories[..slash];
            if (segment.Length > 1 && segment[0] == '.' && !segment.SequenceEqual(".."))
            {
                return true;
            }

            if (slash < 0)
            {
                break;
            }

            directories = directories[(slash + 1)..];
        }

        return false;
    }

    /// <summary>The last path segment (the file name) without allocating a FileInfo.</summary>
    public static string FileName(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash < 0 ? path : path[(slash + 1)..];
    }

    private static bool StartsWithAny(string path, string[] prefixes)
    {
        foreach (var prefix in prefixes)
        {
            if (path.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
