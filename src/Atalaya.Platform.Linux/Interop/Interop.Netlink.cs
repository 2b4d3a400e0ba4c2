using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Atalaya.Platform.Linux;

internal static partial class Interop
{
    internal const int EINTR = 4;
    internal const int EAGAIN = 11;
    internal const int ENOBUFS = 105;
    internal const int EPROTONOSUPPORT = 93;

    private const int AF_NETLINK = 16;
    private const int SOCK_DGRAM = 2;
    private const int SOCK_CLOEXEC = 0x80000;
    private const int NETLINK_CONNECTOR = 11;
    private const int SOL_SOCKET = 1;
    private const int SO_RCVBUF = 8;
    private const int SO_RCVTIMEO = 20;
    private const int SO_RCVBUFFORCE = 33;

    /// <summary>struct sockaddr_nl from linux/netlink.h (12 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct SockaddrNl
    {
        public ushort nl_family;
        public ushort nl_pad;
        public uint nl_pid;
        public uint nl_groups;
    }

    /// <summary>struct timeval on 64-bit Linux.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Timeval
    {
        public long tv_sec;
        public long tv_usec;
    }

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "bind", SetLastError = true)]
    private static partial int bind(SafeNetlinkHandle fd, in SockaddrNl addr, int addrlen);

    [LibraryImport("libc", EntryPoint = "getsockname", SetLastError = true)]
    private static partial int getsockname(SafeNetlinkHandle fd, out SockaddrNl addr, ref int addrlen);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    private static unsafe partial int setsockopt(SafeNetlinkHandle fd, int level, int name, void* value, int length);

    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    private static unsafe partial int getsockopt(SafeNetlinkHandle fd, int level, int name, void* value, ref int length);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    private static unsafe partial nint send(SafeNetlinkHandle fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    private static unsafe partial nint recv(SafeNetlinkHandle fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    internal static partial int close(int fd);

    /// <summary>socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR); invalid handle and errno on failure.</summary>
    internal static SafeNetlinkHandle OpenConnectorSocket(out int errno)
    {
        var fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR);
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return new SafeNetlinkHandle(fd);
    }

    /// <summary>Binds to the given multicast groups with a kernel-assigned port id; returns errno (0 on success).</summary>
    internal static int BindNetlink(SafeNetlinkHandle fd, uint groups)
    {
        var address = new SockaddrNl { nl_family = AF_NETLINK, nl_groups = groups };
        return bind(fd, address, Marshal.SizeOf<SockaddrNl>()) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    /// <summary>The port id the kernel assigned at bind: the Inode-less key of the socket's line in /proc/net/netlink.</summary>
    internal static uint GetNetlinkPortId(SafeNetlinkHandle fd)
    {
        var length = Marshal.SizeOf<SockaddrNl>();
        return getsockname(fd, out var address, ref length) == 0 ? address.nl_pid : 0;
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
        return getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &actual, ref length) == 0 ? actual : 0;
    }

    /// <summary>A receive timeout so the reading thread wakes up to check for cancellation.</summary>
    internal static unsafe int SetReceiveTimeout(SafeNetlinkHandle fd, TimeSpan timeout)
    {
        var value = new Timeval { tv_sec = timeout.Ticks / TimeSpan.TicksPerSecond, tv_usec = timeout.Ticks % TimeSpan.TicksPerSecond / TimeSpan.TicksPerMicrosecond };
        return setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, sizeof(Timeval)) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    /// <summary>send(2) of one whole datagram; returns errno (0 on success).</summary>
    internal static unsafe int SendDatagram(SafeNetlinkHandle fd, ReadOnlySpan<byte> datagram)
    {
        fixed (byte* pointer = datagram)
        {
            var sent = send(fd, pointer, (nuint)datagram.Length, 0);
            return sent == datagram.Length ? 0 : Marshal.GetLastPInvokeError();
        }
    }

    /// <summary>recv(2) of one datagram; a negative return carries -errno.</summary>
    internal static unsafe int ReceiveDatagram(SafeNetlinkHandle fd, Span<byte> buffer)
    {
        fixed (byte* pointer = buffer)
        {
            var received = recv(fd, pointer, (nuint)buffer.Length, 0);
            return received >= 0 ? (int)received : -Marshal.GetLastPInvokeError();
        }
    }
}

/// <summary>A netlink socket descriptor, closed exactly once.</summary>
internal sealed class SafeNetlinkHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public SafeNetlinkHandle()
        : base(ownsHandle: true)
    {
    }

    internal SafeNetlinkHandle(int fd)
        : base(ownsHandle: true) => SetHandle(fd);

    protected override bool ReleaseHandle() => Interop.close((int)handle) == 0;
}
