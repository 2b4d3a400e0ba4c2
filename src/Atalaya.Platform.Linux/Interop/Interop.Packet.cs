using System.Runtime.InteropServices;

namespace Atalaya.Platform.Linux;

/// <summary>AF_PACKET capture sockets with a classic BPF filter (packet(7), socket(7) SO_ATTACH_FILTER).</summary>
internal static partial class Interop
{
    internal const int AF_PACKET = 17;
    internal const int SO_ATTACH_FILTER = 26;

    /// <summary>sll_pkttype of a frame this host sent; on <c>lo</c> the same frame comes back as PACKET_HOST.</summary>
    internal const byte PACKET_OUTGOING = 4;

    /// <summary>
    /// ETH_P_ALL (0x0003) in network byte order: the protocol of AF_PACKET sockets and sockaddr_ll
    /// is big-endian, so on x86 the value passed is 0x0300.
    /// </summary>
    internal const ushort EthPAllNetworkOrder = 0x0300;

    /// <summary>struct sock_filter: one classic BPF instruction, 8 bytes.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct SockFilter
    {
        public ushort code;
        public byte jt;
        public byte jf;
        public uint k;
    }

    /// <summary>struct sock_fprog: 16 bytes on x86_64 (2-byte length, 6 bytes of padding, pointer).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct SockFprog
    {
        public ushort len;
        public SockFilter* filter;
    }

    /// <summary>struct sockaddr_ll, 20 bytes.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct SockaddrLl
    {
        public ushort sll_family;
        public ushort sll_protocol;
        public int sll_ifindex;
        public ushort sll_hatype;
        public byte sll_pkttype;
        public byte sll_halen;
        public fixed byte sll_addr[8];
    }

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int packet_socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    private static unsafe partial int packet_setsockopt(SafePacketHandle fd, int level, int optname, void* optval, uint optlen);

    [LibraryImport("libc", EntryPoint = "bind", SetLastError = true)]
    private static unsafe partial int packet_bind(SafePacketHandle fd, SockaddrLl* addr, uint addrlen);

    [LibraryImport("libc", EntryPoint = "recvfrom", SetLastError = true)]
    private static unsafe partial nint packet_recvfrom(SafePacketHandle fd, byte* buf, nuint len, int flags, SockaddrLl* addr, uint* addrlen);

    /// <summary>
    /// An AF_PACKET SOCK_DGRAM socket (frames arrive without their link header, whatever the link)
    /// that receives only what <paramref name="filter"/> accepts. It is created with protocol 0 —
    /// receiving nothing — and bound to ETH_P_ALL only after the filter is attached, so no
    /// unfiltered frame is ever queued. An invalid handle and errno on failure (EPERM without CAP_NET_RAW).
    /// </summary>
    internal static unsafe SafePacketHandle OpenPacketCapture(ReadOnlySpan<SockFilter> filter, TimeSpan receiveTimeout, out int errno)
    {
        var fd = packet_socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            errno = Marshal.GetLastPInvokeError();
            return new SafePacketHandle();
        }

        var handle = new SafePacketHandle(fd);
        fixed (SockFilter* instructions = filter)
        {
            var program = new SockFprog { len = (ushort)filter.Length, filter = instructions };
            if (packet_setsockopt(handle, SOL_SOCKET, SO_ATTACH_FILTER, &program, (uint)sizeof(SockFprog)) != 0)
            {
                return Fail(handle, out errno);
            }
        }

        var timeout = new Timeval { tv_sec = receiveTimeout.Ticks / TimeSpan.TicksPerSecond, tv_usec = receiveTimeout.Ticks % TimeSpan.TicksPerSecond / TimeSpan.TicksPerMicrosecond };
        if (packet_setsockopt(handle, SOL_SOCKET, SO_RCVTIMEO, &timeout, (uint)sizeof(Timeval)) != 0)
        {
            return Fail(handle, out errno);
        }

        var address = new SockaddrLl { sll_family = AF_PACKET, sll_protocol = EthPAllNetworkOrder };
        if (packet_bind(handle, &address, (uint)sizeof(SockaddrLl)) != 0)
        {
            return Fail(handle, out errno);
        }

        errno = 0;
        return handle;
    }

    /// <summary>One frame into <paramref name="buffer"/>: its length (truncated to the buffer) or -errno; <paramref name="packetType"/> is sll_pkttype.</summary>
    internal static unsafe int ReceivePacket(SafePacketHandle handle, Span<byte> buffer, out byte packetType)
    {
        packetType = 0;
        var address = default(SockaddrLl);
        var length = (uint)sizeof(SockaddrLl);
        fixed (byte* pointer = buffer)
        {
            var received = packet_recvfrom(handle, pointer, (nuint)buffer.Length, 0, &address, &length);
            if (received < 0)
            {
                return -Marshal.GetLastPInvokeError();
            }

            packetType = address.sll_pkttype;
            return (int)received;
        }
    }

    private static SafePacketHandle Fail(SafePacketHandle handle, out int errno)
    {
        errno = Marshal.GetLastPInvokeError();
        handle.Dispose();
        return new SafePacketHandle();
    }
}

internal sealed class SafePacketHandle : SafeHandle
{
    public SafePacketHandle()
        : base(-1, ownsHandle: true)
    {
    }

    public SafePacketHandle(int fd)
        : base(-1, ownsHandle: true) => SetHandle(fd);

    public override bool IsInvalid => handle < 0;

    protected override bool ReleaseHandle() => Interop.Close((int)handle) == 0;
}
