using System.Net;

namespace Atalaya.Platform.Linux.Network;

/// <summary>
/// One row of <c>/proc/net/{tcp,tcp6,udp,udp6}</c>, with the kernel's column names. Addresses are
/// exactly what the kernel printed: an IPv4 peer of a dual-stack socket stays <c>::ffff:a.b.c.d</c>
/// here; reporting decides how to show it.
/// </summary>
/// <param name="LocalAddress">local_address, the address part.</param>
/// <param name="LocalPort">local_address, the port part (host order as printed).</param>
/// <param name="RemoteAddress">rem_address, the address part.</param>
/// <param name="RemotePort">rem_address, the port part.</param>
/// <param name="State">st.</param>
/// <param name="TxQueue">tx_queue: bytes not yet acknowledged (TCP) or queued to send (UDP).</param>
/// <param name="RxQueue">rx_queue: bytes not yet read; for a TCP listener the accept backlog.</param>
/// <param name="Uid">uid of the socket's creator, as seen from the reader's user namespace.</param>
/// <param name="Inode">inode of the socket; 0 when no file refers to it any more (TIME_WAIT, orphans).</param>
internal readonly record struct ProcNetSocket(
    IPAddress LocalAddress,
    int LocalPort,
    IPAddress RemoteAddress,
    int RemotePort,
    TcpState State,
    uint TxQueue,
    uint RxQueue,
    uint Uid,
    long Inode);
