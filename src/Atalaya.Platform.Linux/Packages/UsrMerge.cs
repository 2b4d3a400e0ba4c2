namespace Atalaya.Platform.Linux.Packages;

/// <summary>
/// /usr-merge: on current Debian /bin, /sbin and /lib* are symlinks into /usr, but packages built
/// before the merge still record <c>/bin/ls</c> while the kernel and /proc report <c>/usr/bin/ls</c>.
/// A lookup that misses tries the other spelling. Only valid on a merged system: on a split one
/// /bin/x and /usr/bin/x are different files and aliasing would verify one against the other's digest.
/// </summary>
public static class UsrMerge
{
    private static readonly string[] MergedDirectories = ["bin", "sbin", "lib", "lib32", "lib64", "libx32"];

    /// <summary>The other spelling of an absolute path under a merged directory, or null.</summary>
    public static string? Alias(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        foreach (var directory in MergedDirectories)
        {
            if (IsUnder(path, 0, directory))
            {
                return string.Concat("/usr", path);
            }

            if (path.StartsWith("/usr/", StringComparison.Ordinal) && IsUnder(path, 4, directory))
            {
                return path[4..];
            }
        }

        return null;
    }

    /// <summary>path[start..] is "/directory/..." with something after the slash.</summary>
    private static bool IsUnder(string path, int start, string directory) =>
        path.Length > start + directory.Length + 2
        && path[start] == '/'
        && string.CompareOrdinal(path, start + 1, directory, 0, directory.Length) == 0
        && path[start + 1 + directory.Length] == '/';

    /// <summary>True when <c>{root}/bin</c> is a symlink (the merged layout).</summary>
    public static bool IsMerged(string root)
    {
        var bin = new FileInfo(Path.Combine(root, "bin"));
        return bin.LinkTarget is not null;
    }
}
