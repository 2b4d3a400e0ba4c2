using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Atalaya.Platform.Linux;

internal static partial class Interop
{
    internal const int AT_FDCWD = -100;
    private const int AT_EMPTY_PATH = 0x1000;
    private const uint STATX_BASIC_STATS = 0x7ff;

    /// <summary>
    /// struct statx from linux/stat.h. Unlike struct stat its layout is the same on every
    /// architecture, which is why it is used instead of glibc's stat (whose layout differs
    /// between x86_64 and arm64). 256 bytes; the tail is reserved by the kernel.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct StatxBuffer
    {
        public uint stx_mask;
        public uint stx_blksize;
        public ulong stx_attributes;
        public uint stx_nlink;
        public uint stx_uid;
        public uint stx_gid;
        public ushort stx_mode;
        public ushort spare0;
        public ulong stx_ino;
        public ulong stx_size;
        public ulong stx_blocks;
        public ulong stx_attributes_mask;
        public StatxTimestamp stx_atime;
        public StatxTimestamp stx_btime;
        public StatxTimestamp stx_ctime;
        public StatxTimestamp stx_mtime;
        public uint stx_rdev_major;
        public uint stx_rdev_minor;
        public uint stx_dev_major;
        public uint stx_dev_minor;
        public Spare14 spare;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct StatxTimestamp
    {
        public long tv_sec;
        public uint tv_nsec;
        public int reserved;
    }

    [System.Runtime.CompilerServices.InlineArray(14)]
    internal struct Spare14
    {
        private ulong _element;
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(int dirfd, string pathname, int flags, uint mask, out StatxBuffer statxbuf);

    /// <summary>statx(AT_FDCWD, path, 0): follows symlinks, so /proc/[pid]/exe reports the binary.</summary>
    internal static bool TryStatx(string path, out StatxBuffer buffer) =>
        statx(AT_FDCWD, path, 0, STATX_BASIC_STATS, out buffer) == 0;

    /// <summary>statx on an open descriptor (AT_EMPTY_PATH): describes exactly the file that was opened.</summary>
    internal static bool TryStatx(SafeFileHandle handle, out StatxBuffer buffer)
    {
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return statx((int)handle.DangerousGetHandle(), string.Empty, AT_EMPTY_PATH, STATX_BASIC_STATS, out buffer) == 0;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }
}
