namespace Atalaya.Platform.Linux.Processes;

/// <summary>
/// What fd 0 is, from its inode as the kernel program read it: the same names <see cref="FdLinkClassifier"/>
/// gives from the /proc link text, where the inode alone can tell.
/// </summary>
internal static class StdinInode
{
    private const uint TypeMask = 0xF000;
    private const uint Fifo = 0x1000;
    private const uint CharacterDevice = 0x2000;
    private const uint Socket = 0xC000;

    /// <summary>PIPEFS_MAGIC: an anonymous pipe (a named FIFO lives on its own filesystem, and its link is its path).</summary>
    private const ulong PipeFilesystem = 0x50495045;

    /// <summary>
    /// The kind of fd 0 from its mode, device (the kernel's major &lt;&lt; 20 | minor) and filesystem magic;
    /// mode 0 means there is no fd 0 (null kind). False for a character device other than /dev/null:
    /// whether it is a terminal depends on its name (/dev/tty*, /dev/pts/*), which only the link gives.
    /// </summary>
    public static bool TryClassify(uint mode, uint device, ulong magic, out string? kind)
    {
        kind = null;
        if (mode == 0)
        {
            return true;
        }

        switch (mode & TypeMask)
        {
            case Fifo:
                kind = magic == PipeFilesystem ? "pipe" : "file";
                return true;
            case Socket:
                kind = "socket";
                return true;
            case CharacterDevice:
                // /dev/null is 1:3 on every Linux.
                if (device == ((1u << 20) | 3))
                {
                    kind = "null";
                    return true;
                }

                return false;
            default:
                kind = "file";
                return true;
        }
    }
}
