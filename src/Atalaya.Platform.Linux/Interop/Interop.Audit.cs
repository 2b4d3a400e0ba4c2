using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Atalaya.Platform.Linux;

internal static partial class Interop
{
    /// <summary>
    /// The NETLINK_AUDIT socket calls. Nested so its socket primitives cannot collide with the other
    /// netlink families' files (process connector, sock_diag) when they land in the same partial class.
    /// </summary>
    internal static partial class Audit
    {
        internal const int AF_NETLINK = 16;
        internal const int SOCK_RAW = 3;
        internal const int SOCK_CLOEXEC = 0x80000;
        internal const int NETLINK_AUDIT = 9;

        internal const int SOL_SOCKET = 1;
        internal const int SO_RCVBUF = 8;
        internal const int SO_RCVTIMEO = 20;
        internal const int SO_RCVBUFFORCE = 33;

        internal const int EINTR = 4;
        internal const int EAGAIN = 11;
        internal const int ENOBUFS = 105;
        internal const int EPROTONOSUPPORT = 93;
        internal const int EEXIST = 17;
        internal const int EINVAL = 22;

        [StructLayout(LayoutKind.Sequential)]
        internal struct SockaddrNl
        {
            public ushort nl_family;
            public ushort nl_pad;
            public uint nl_pid;
            public uint nl_groups;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal struct Timeval
        {
            public long tv_sec;
            public long tv_usec;
        }

        [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
        private static partial int socket(int domain, int type, int protocol);

        [LibraryImport("libc", EntryPoint = "bind", SetLastError = true)]
        private static partial int bind(SafeFileHandle fd, in SockaddrNl addr, int addrlen);

        [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
        private static unsafe partial int setsockopt(SafeFileHandle fd, int level, int optname, void* optval, int optlen);

        [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
        private static unsafe partial nint send(SafeFileHandle fd, byte* buf, nuint len, int flags);

        [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
        private static unsafe partial nint recv(SafeFileHandle fd, byte* buf, nuint len, int flags);

        /// <summary>An audit netlink socket bound to a kernel-chosen port id; -errno on failure.</summary>
        internal static SafeFileHandle OpenSocket(out int errno)
        {
            var fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
            if (fd < 0)
            {
                errno = Marshal.GetLastPInvokeError();
                return new SafeFileHandle(-1, ownsHandle: false);
            }

            var handle = new SafeFileHandle(fd, ownsHandle: true);
            var address = new SockaddrNl { nl_family = AF_NETLINK };
            if (bind(handle, address, Marshal.SizeOf<SockaddrNl>()) != 0)
            {
                errno = Marshal.GetLastPInvokeError();
                handle.Dispose();
                return new SafeFileHandle(-1, ownsHandle: false);
            }

            errno = 0;
            return handle;
        }

        /// <summary>
        /// A bigger receive buffer absorbs bursts while the reader thread is descheduled. SO_RCVBUFFORCE
        /// (root) passes net.core.rmem_max; SO_RCVBUF is the unprivileged fallback.
        /// </summary>
        internal static unsafe bool SetReceiveBuffer(SafeFileHandle fd, int bytes)
        {
            var value = bytes;
            return setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &value, sizeof(int)) == 0
                || setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &value, sizeof(int)) == 0;
        }

        /// <summary>A receive timeout lets a blocking reader notice cancellation without a second descriptor.</summary>
        internal static unsafe bool SetReceiveTimeout(SafeFileHandle fd, TimeSpan timeout)
        {
            var value = new Timeval { tv_sec = (long)timeout.TotalSeconds, tv_usec = timeout.Milliseconds * 1000L };
            return setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, sizeof(Timeval)) == 0;
        }

        internal static unsafe int Send(SafeFileHandle fd, ReadOnlySpan<byte> message, out int errno)
        {
            fixed (byte* pointer = message)
            {
                var sent = send(fd, pointer, (nuint)message.Length, 0);
                errno = sent < 0 ? Marshal.GetLastPInvokeError() : 0;
                return (int)sent;
            }
        }

        /// <summary>One datagram (one netlink message for audit); -1 with errno EAGAIN on timeout.</summary>
        internal static unsafe int Receive(SafeFileHandle fd, Span<byte> buffer, out int errno)
        {
            fixed (byte* pointer = buffer)
            {
                var received = recv(fd, pointer, (nuint)buffer.Length, 0);
                errno = received < 0 ? Marshal.GetLastPInvokeError() : 0;
                return (int)received;
            }
        }
    }
}
