using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Atalaya.Platform.Linux;

internal static partial class Interop
{
    private const short POLLIN = 0x1;

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int fd;
        public short events;
        public short revents;
    }

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static unsafe partial int poll(PollFd* fds, nuint nfds, int timeout);

    /// <summary>poll(2) for readability of one descriptor: 1 when readable, 0 on timeout, or -errno.</summary>
    internal static unsafe int PollReadable(int descriptor, int timeoutMilliseconds)
    {
        var fds = new PollFd { fd = descriptor, events = POLLIN };
        var ready = poll(&fds, 1, timeoutMilliseconds);
        if (ready < 0)
        {
            return -Marshal.GetLastPInvokeError();
        }

        return ready > 0 && (fds.revents & POLLIN) != 0 ? 1 : 0;
    }

    /// <summary>As above for a handle, kept alive for the call; true only when readable (errors read as not readable).</summary>
    internal static bool PollReadable(SafeFileHandle handle, int timeoutMilliseconds)
    {
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return PollReadable((int)handle.DangerousGetHandle(), timeoutMilliseconds) > 0;
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
