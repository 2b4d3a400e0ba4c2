using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Atalaya.Platform.Linux;

/// <summary>
/// open/read on plain descriptors for small /proc files: a process read is a few dozen of these,
/// and <c>File.OpenHandle</c> adds an fstat and a SafeHandle per file that /proc files never need.
/// </summary>
internal static partial class Interop
{
    internal const int O_NOCTTY = 0x100;
    internal const int O_NONBLOCK = 0x800;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenRaw(string pathname, int flags);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static unsafe partial nint ReadRaw(int fd, byte* buf, nuint count);

    /// <summary>open(path, O_RDONLY | O_CLOEXEC); the caller closes the descriptor with <see cref="Close"/>.</summary>
    internal static int OpenReadOnly(string path, out int errno)
    {
        var fd = OpenRaw(path, O_RDONLY | O_CLOEXEC);
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return fd;
    }

    /// <summary>
    /// open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC) for a file whose type is checked after the open
    /// (fstat on the descriptor): a FIFO opens at once instead of waiting for a writer, a terminal does not
    /// become the controlling one. O_NONBLOCK changes nothing for a regular file's reads or mmap.
    /// </summary>
    internal static SafeFileHandle OpenNonBlocking(string path)
    {
        var fd = OpenRaw(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        return new SafeFileHandle(fd, ownsHandle: fd >= 0);
    }

    /// <summary>read(2) into <paramref name="buffer"/>, retried on EINTR; -1 with the errno on failure.</summary>
    internal static unsafe int Read(int fd, Span<byte> buffer, out int errno)
    {
        fixed (byte* pointer = buffer)
        {
            while (true)
            {
                var read = ReadRaw(fd, pointer, (nuint)buffer.Length);
                if (read >= 0)
                {
                    errno = 0;
                    return (int)read;
                }

                errno = Marshal.GetLastPInvokeError();
                if (errno != EINTR)
                {
                    return -1;
                }
            }
        }
    }
}
