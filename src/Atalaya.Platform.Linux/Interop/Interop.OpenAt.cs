using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;

namespace Atalaya.Platform.Linux;

/// <summary>
/// The *at family on a directory descriptor: a file under an open /proc/[pid] handle is found without
/// walking the proc root and the pid again, and always in the process the handle was opened on.
/// </summary>
internal static partial class Interop
{
    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenAtRaw(int dirfd, string pathname, int flags);

    [LibraryImport("libc", EntryPoint = "readlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial nint ReadLinkAtRaw(int dirfd, string pathname, byte* buf, nuint bufsiz);

    /// <summary>openat(dirfd, path, O_RDONLY | O_CLOEXEC); an absolute path ignores the directory, AT_FDCWD is allowed.</summary>
    internal static int OpenReadOnlyAt(int directory, string path, out int errno)
    {
        var fd = OpenAtRaw(directory, path, O_RDONLY | O_CLOEXEC);
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return fd;
    }

    /// <summary>openat(dirfd, path, O_PATH | O_DIRECTORY | O_CLOEXEC): a handle that only names a directory.</summary>
    internal static int OpenDirectoryPathAt(int directory, string path, out int errno)
    {
        var fd = OpenAtRaw(directory, path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return fd;
    }

    /// <summary>readlinkat(2) as a string (UTF-8, invalid bytes replaced); null with the errno on failure.</summary>
    internal static unsafe string? ReadLinkAt(int directory, string path, out int errno)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(PathMax + 1);
        try
        {
            nint length;
            fixed (byte* pointer = buffer)
            {
                length = ReadLinkAtRaw(directory, path, pointer, (nuint)buffer.Length);
            }

            if (length < 0)
            {
                errno = Marshal.GetLastPInvokeError();
                return null;
            }

            errno = 0;
            return Encoding.UTF8.GetString(buffer, 0, (int)length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>statx(dirfd, path, 0): follows a final magic link, so "exe" under /proc/[pid] reports the binary.</summary>
    internal static bool TryStatxAt(int directory, string path, out StatxBuffer buffer) =>
        statx(directory, path, 0, STATX_BASIC_STATS, out buffer) == 0;
}
