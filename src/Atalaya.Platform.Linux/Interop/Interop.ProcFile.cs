using System.Runtime.InteropServices;

namespace Atalaya.Platform.Linux;

/// <summary>
/// open/read on plain descriptors for small /proc files: a process read is a few dozen of these,
/// and <c>File.OpenHandle</c> adds an fstat and a SafeHandle per file that /proc files never need.
/// </summary>
internal static partial class Interop
{
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
