namespace Atalaya.Platform.Linux.Processes;

/// <summary>
/// The seam between the netlink process sensor and the kernel socket, so the sensor's handling of
/// errors (ENOBUFS, EBADF, garbage datagrams) is tested without provoking the kernel.
/// </summary>
internal interface IProcConnectorSocket : IDisposable
{
    /// <summary>The netlink port id the kernel assigned (the Pid column of /proc/net/netlink).</summary>
    uint PortId { get; }

    /// <summary>The socket's descriptor, for poll(2) beside another source; -1 when there is none (a scripted socket).</summary>
    int Descriptor { get; }

    /// <summary>One datagram into <paramref name="buffer"/>: its length, or -errno (EAGAIN on the receive timeout).</summary>
    int Receive(Span<byte> buffer);
}
