using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Atalaya.Platform.Linux;

internal static partial class Interop
{
    // linux/fanotify.h
    internal const uint FAN_CLOEXEC = 0x1;
    internal const uint FAN_NONBLOCK = 0x2;
    internal const uint FAN_CLASS_NOTIF = 0x0;
    internal const uint FAN_REPORT_DIR_FID = 0x400;
    internal const uint FAN_REPORT_NAME = 0x800;
    internal const uint FAN_REPORT_DFID_NAME = FAN_REPORT_DIR_FID | FAN_REPORT_NAME;

    internal const uint FAN_MARK_ADD = 0x1;
    internal const uint FAN_MARK_FILESYSTEM = 0x100;

    internal const int O_RDONLY = 0x0;
    internal const int O_DIRECTORY = 0x10000;
    internal const int O_CLOEXEC = 0x80000;

    /// <summary>O_PATH: a descriptor that only names the file (no read permission needed, no open side effects).</summary>
    internal const int O_PATH = 0x200000;

    internal const int EINVAL = 22;
    internal const int ENODEV = 19;
    internal const int EXDEV = 18;
    internal const int ESTALE = 116;
    internal const int EOPNOTSUPP = 95;

    [LibraryImport("libc", EntryPoint = "fanotify_init", SetLastError = true)]
    private static partial int fanotify_init(uint flags, uint event_f_flags);

    [LibraryImport("libc", EntryPoint = "fanotify_mark", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int fanotify_mark(int fanotify_fd, uint flags, ulong mask, int dirfd, string pathname);

    [LibraryImport("libc", EntryPoint = "open_by_handle_at", SetLastError = true)]
    private static unsafe partial int open_by_handle_at(int mount_fd, byte* handle, int flags);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string pathname, int flags);


    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static unsafe partial nint read(int fd, byte* buf, nuint count);

    [LibraryImport("libc", EntryPoint = "statfs", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int statfs(string path, byte* buf);

    /// <summary>fanotify_init(2); the descriptor is owned by the returned handle.</summary>
    internal static SafeFileHandle FanotifyInit(uint flags, uint eventFileFlags, out int errno)
    {
        var fd = fanotify_init(flags, eventFileFlags);
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return new SafeFileHandle(fd, ownsHandle: fd >= 0);
    }

    internal static int FanotifyMark(SafeFileHandle fanotify, uint flags, ulong mask, string path)
    {
        var added = false;
        try
        {
            fanotify.DangerousAddRef(ref added);
            return fanotify_mark((int)fanotify.DangerousGetHandle(), flags, mask, AT_FDCWD, path) == 0 ? 0 : Marshal.GetLastPInvokeError();
        }
        finally
        {
            if (added)
            {
                fanotify.DangerousRelease();
            }
        }
    }

    /// <summary>open(2) of a directory as a mount reference for open_by_handle_at.</summary>
    internal static SafeFileHandle OpenDirectory(string path, out int errno)
    {
        var fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return new SafeFileHandle(fd, ownsHandle: fd >= 0);
    }

    /// <summary>
    /// open_by_handle_at(2) with O_PATH. <paramref name="handle"/> is a struct file_handle as the kernel
    /// wrote it (handle_bytes, handle_type, f_handle). Needs CAP_DAC_READ_SEARCH. Returns the raw fd (caller closes) or -1.
    /// </summary>
    internal static unsafe int OpenByHandle(SafeFileHandle mount, ReadOnlySpan<byte> handle, out int errno)
    {
        var added = false;
        try
        {
            mount.DangerousAddRef(ref added);
            int fd;
            fixed (byte* pointer = handle)
            {
                fd = open_by_handle_at((int)mount.DangerousGetHandle(), pointer, O_PATH | O_CLOEXEC);
            }

            errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
            return fd;
        }
        finally
        {
            if (added)
            {
                mount.DangerousRelease();
            }
        }
    }

    /// <summary>read(2): bytes read, 0 at end, -1 with errno.</summary>
    internal static unsafe int Read(SafeFileHandle handle, Span<byte> buffer, out int errno)
    {
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            nint n;
            fixed (byte* pointer = buffer)
            {
                n = read((int)handle.DangerousGetHandle(), pointer, (nuint)buffer.Length);
            }

            errno = n < 0 ? Marshal.GetLastPInvokeError() : 0;
            return (int)n;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// f_fsid of statfs(2), as the two 32-bit words fanotify reports in its fid records. struct statfs
    /// on 64-bit Linux: seven 8-byte fields (f_type..f_ffree) precede f_fsid.
    /// </summary>
    internal static unsafe bool TryGetFsid(string path, out ulong fsid)
    {
        var buffer = stackalloc byte[256];
        if (statfs(path, buffer) != 0)
        {
            fsid = 0;
            return false;
        }

        fsid = *(ulong*)(buffer + 56);
        return true;
    }
}
