namespace Atalaya.Platform.Linux.Processes;

/// <summary>What a <c>/proc/[pid]/fd/N</c> link points at, from the link text the kernel writes.</summary>
public static class FdLinkClassifier
{
    /// <summary>pipe (<c>pipe:[ino]</c>), socket (<c>socket:[ino]</c>), tty (/dev/pts/N, /dev/ttyN, /dev/console), null (/dev/null) or file.</summary>
    public static string Classify(string link)
    {
        if (link.StartsWith("pipe:[", StringComparison.Ordinal))
        {
            return "pipe";
        }

        if (link.StartsWith("socket:[", StringComparison.Ordinal))
        {
            return "socket";
        }

        if (link.StartsWith("/dev/pts/", StringComparison.Ordinal) || link.StartsWith("/dev/tty", StringComparison.Ordinal)
            || link == "/dev/console")
        {
            return "tty";
        }

        return link == "/dev/null" ? "null" : "file";
    }
}
