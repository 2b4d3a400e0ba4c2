using Microsoft.Win32.SafeHandles;

namespace Atalaya.Platform.Linux.Hashing;

/// <summary>
/// What makes a file's content "the same" without reading it: device, inode, size, mtime, and also
/// ctime, because mtime can be set back with utimensat(2) after tampering while ctime cannot be set
/// from user space at all.
/// </summary>
public readonly record struct FileIdentity(
    ulong Device,
    ulong Inode,
    long Size,
    long MtimeSeconds,
    uint MtimeNanoseconds,
    long CtimeSeconds,
    uint CtimeNanoseconds)
{
    /// <summary>statx of a path, following symlinks (so /proc/[pid]/exe describes the binary).</summary>
    public static bool TryGet(string path, out FileIdentity identity)
    {
        if (!Interop.TryStatx(path, out var buffer))
        {
            identity = default;
            return false;
        }

        identity = From(buffer);
        return true;
    }

    /// <summary>fstat-like statx of an open descriptor: the identity of exactly the bytes that will be read.</summary>
    internal static bool TryGet(SafeFileHandle handle, out FileIdentity identity)
    {
        if (!Interop.TryStatx(handle, out var buffer))
        {
            identity = default;
            return false;
        }

        identity = From(buffer);
        return true;
    }

    // glibc's makedev() encoding, so Device matches st_dev from stat(2).
    private static ulong MakeDev(uint major, uint minor) =>
        ((ulong)(major & 0xfffff000) << 32) | ((ulong)(major & 0xfff) << 8)
        | ((ulong)(minor & 0xffffff00) << 12) | (minor & 0xff);

    /// <summary>The identity as the kernel program read it from the inode; its dev_t is the kernel's (major &lt;&lt; 20 | minor).</summary>
    internal static FileIdentity FromKernel(uint kernelDevice, ulong inode, long size, long mtimeSeconds, uint mtimeNanoseconds, long ctimeSeconds, uint ctimeNanoseconds) =>
        new(MakeDev(kernelDevice >> 20, kernelDevice & 0xfffff), inode, size, mtimeSeconds, mtimeNanoseconds, ctimeSeconds, ctimeNanoseconds);

    internal static FileIdentity From(in Interop.StatxBuffer b) => new(
        MakeDev(b.stx_dev_major, b.stx_dev_minor),
        b.stx_ino,
        (long)b.stx_size,
        b.stx_mtime.tv_sec,
        b.stx_mtime.tv_nsec,
        b.stx_ctime.tv_sec,
        b.stx_ctime.tv_nsec);
}
