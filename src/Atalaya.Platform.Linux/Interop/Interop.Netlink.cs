using System.Runtime.InteropServices;

namespace Atalaya.Platform.Linux;

internal static partial class Interop
{
    internal const int AF_NETLINK = 16;
    internal const int NETLINK_SOCK_DIAG = 4;
    internal const int SOCK_RAW = 3;
    internal const int SOCK_CLOEXEC = 0x80000;
    internal const int SOL_SOCKET = 1;
    internal const int SO_RCVBUF = 8;
    internal const int SO_RCVTIMEO = 20;
    internal const int SOL_NETLINK = 270;
    internal const int NETLINK_NO_ENOBUFS = 5;
    internal const int ENOBUFS = 105;
    internal const int MSG_DONTWAIT = 0x40;
    internal const int EPROTONOSUPPORT = 93;
    internal const int SOCK_DGRAM = 2;
    internal const int NETLINK_CONNECTOR = 11;
    internal const int SO_RCVBUFFORCE = 33;
    internal const int NETLINK_AUDIT = 9;
    internal const int EEXIST = 17;

    /// <summary>struct sockaddr_nl (linux/netlink.h), 12 bytes.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct SockaddrNl
    {
        public ushort nl_family;
        public ushort nl_pad;
        public uint nl_pid;
        public uint nl_groups;
    }

    /// <summary>struct timeval on 64-bit Linux.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Timeval
    {
        public long tv_sec;
        public long tv_usec;
    }

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "bind", SetLastError = true)]
    private static unsafe partial int bind(SafeNetlinkHandle fd, SockaddrNl* addr, uint addrlen);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    private static unsafe partial nint send(SafeNetlinkHandle fd, byte* buf, nuint len, int flags);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    private static unsafe partial nint recv(SafeNetlinkHandle fd, byte* buf, nuint len, int flags);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    private static unsafe partial int setsockopt(SafeNetlinkHandle fd, int level, int optname, void* optval, uint optlen);

    [LibraryImport("libc", EntryPoint = "getsockname", SetLastError = true)]
    private static unsafe partial int getsockname(SafeNetlinkHandle fd, SockaddrNl* addr, int* addrlen);

    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    private static unsafe partial int getsockopt(SafeNetlinkHandle fd, int level, int optname, void* optval, int* optlen);

    /// <summary>A NETLINK_SOCK_DIAG socket, bound to <paramref name="groups"/> (0 for request/reply only).</summary>
    internal static SafeNetlinkHandle OpenSockDiag(uint groups, out int errno) =>
        OpenNetlink(NETLINK_SOCK_DIAG, SOCK_RAW, groups, out errno);

    /// <summary>
    /// socket(AF_NETLINK, <paramref name="type"/> | SOCK_CLOEXEC, <paramref name="protocol"/>) bound to
    /// <paramref name="groups"/> with a kernel-assigned port id; an invalid handle and errno on failure.
    /// </summary>
    internal static SafeNetlinkHandle OpenNetlink(int protocol, int type, uint groups, out int errno)
    {
        var fd = socket(AF_NETLINK, type | SOCK_CLOEXEC, protocol);
        if (fd < 0)
        {
            errno = Marshal.GetLastPInvokeError();
            return new SafeNetlinkHandle();
        }

        var handle = new SafeNetlinkHandle(fd);
        errno = BindNetlink(handle, groups);
        if (errno != 0)
        {
            handle.Dispose();
            return new SafeNetlinkHandle();
        }

        return handle;
    }

    internal static unsafe int SetReceiveBuffer(SafeNetlinkHandle handle, int bytes)
    {
        var value = bytes;
        return setsockopt(handle, SOL_SOCKET, SO_RCVBUF, &value, sizeof(int)) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    /// <summary>SO_RCVTIMEO: a blocking recv returns EAGAIN after this long, so a reader thread can notice cancellation.</summary>
    internal static unsafe int SetReceiveTimeout(SafeNetlinkHandle handle, TimeSpan timeout)
    {
        var value = new Timeval { tv_sec = timeout.Ticks / TimeSpan.TicksPerSecond, tv_usec = timeout.Ticks % TimeSpan.TicksPerSecond / TimeSpan.TicksPerMicrosecond };
        return setsockopt(handle, SOL_SOCKET, SO_RCVTIMEO, &value, (uint)sizeof(Timeval)) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    internal static unsafe int Send(SafeNetlinkHandle handle, ReadOnlySpan<byte> message)
    {
        fixed (byte* pointer = message)
        {
            while (true)
            {
                var sent = send(handle, pointer, (nuint)message.Length, 0);
                if (sent >= 0)
                {
                    return 0;
                }

                var errno = Marshal.GetLastPInvokeError();
                if (errno != EINTR)
                {
                    return errno;
                }
            }
        }
    }

    /// <summary>One datagram; returns its length, or -errno.</summary>
    internal static unsafe int Receive(SafeNetlinkHandle handle, Span<byte> buffer)
    {
        fixed (byte* pointer = buffer)
        {
            while (true)
            {
                var length = recv(handle, pointer, (nuint)buffer.Length, 0);
                if (length >= 0)
                {
                    return (int)length;
                }

                var errno = Marshal.GetLastPInvokeError();
                if (errno != EINTR)
                {
                    return -errno;
                }
            }
        }
    }

    /// <summary>socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR) for the process connector; invalid handle and errno on failure.</summary>
    internal static SafeNetlinkHandle OpenConnectorSocket(out int errno)
    {
        var fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR);
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return fd < 0 ? new SafeNetlinkHandle() : new SafeNetlinkHandle(fd);
    }

    /// <summary>Binds to the given multicast groups with a kernel-assigned port id; returns errno (0 on success).</summary>
    internal static unsafe int BindNetlink(SafeNetlinkHandle fd, uint groups)
    {
        var address = new SockaddrNl { nl_family = AF_NETLINK, nl_groups = groups };
        return bind(fd, &address, (uint)sizeof(SockaddrNl)) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    /// <summary>The port id the kernel assigned at bind: the key of the socket's line in /proc/net/netlink.</summary>
    internal static unsafe uint GetNetlinkPortId(SafeNetlinkHandle fd)
    {
        SockaddrNl address;
        var length = sizeof(SockaddrNl);
        return getsockname(fd, &address, &length) == 0 ? address.nl_pid : 0;
    }

    /// <summary>
    /// SO_RCVBUFFORCE (CAP_NET_ADMIN, ignores rmem_max) first, then SO_RCVBUF (capped by
    /// net.core.rmem_max). Returns the size the kernel reports afterwards (it doubles the request
    /// for bookkeeping), and whether the forced variant was accepted.
    /// </summary>
    internal static unsafe int SetReceiveBuffer(SafeNetlinkHandle fd, int bytes, out bool forced)
    {
        var value = bytes;
        forced = setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &value, sizeof(int)) == 0;
        if (!forced)
        {
            _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &value, sizeof(int));
        }

        var actual = 0;
        var length = sizeof(int);
        return getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &actual, &length) == 0 ? actual : 0;
    }
}

/// <summary>A netlink socket descriptor, closed exactly once.</summary>
internal sealed class SafeNetlinkHandle : SafeHandle
{
    public SafeNetlinkHandle()
        : base(-1, ownsHandle: true)
    {
    }

    public SafeNetlinkHandle(int fd)
        : base(-1, ownsHandle: true) => SetHandle(fd);

    public override bool IsInvalid => handle < 0;

    protected override bool ReleaseHandle() => Interop.Close((int)handle) == 0;
}
