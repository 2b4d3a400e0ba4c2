using System.Net;

namespace Atalaya.Platform.Linux.Network.SockDiag;

/// <summary>
/// One <c>inet_diag_msg</c> (linux/inet_diag.h) with the attributes Atalaya asks for, in host
/// order. The kernel's field names are kept in the remarks.
/// </summary>
/// <param name="Family">idiag_family: AF_INET (2) or AF_INET6 (10).</param>
/// <param name="Protocol">IPPROTO_TCP (6) or IPPROTO_UDP (17): from the request for dumps, from INET_DIAG_PROTOCOL for destroy notifications.</param>
/// <param name="State">idiag_state.</param>
/// <param name="LocalAddress">id.idiag_src (network order on the wire).</param>
/// <param name="LocalPort">id.idiag_sport (big-endian on the wire).</param>
/// <param name="RemoteAddress">id.idiag_dst.</param>
/// <param name="RemotePort">id.idiag_dport.</param>
/// <param name="Cookie">id.idiag_cookie: the kernel's unique id of the socket, the same in dumps and destroy notifications.</param>
/// <param name="ReceiveQueue">idiag_rqueue.</param>
/// <param name="SendQueue">idiag_wqueue.</param>
/// <param name="Uid">idiag_uid; 0 in destroy notifications, which the kernel does not fill.</param>
/// <param name="Inode">idiag_inode; 0 for TIME_WAIT, request sockets and in destroy notifications.</param>
/// <param name="TcpInfo">INET_DIAG_INFO for TCP, when the kernel sent it.</param>
internal readonly record struct InetDiagSocket(
    byte Family,
    byte Protocol,
    TcpState State,
    IPAddress LocalAddress,
    int LocalPort,
    IPAddress RemoteAddress,
    int RemotePort,
    ulong Cookie,
    uint ReceiveQueue,
    uint SendQueue,
    uint Uid,
    long Inode,
    TcpInfoCounters? TcpInfo);

/// <summary>
/// The part of <c>struct tcp_info</c> (linux/tcp.h) Atalaya reports. Only fields inside the
/// attribute the kernel sent are set: an old kernel's shorter struct leaves the newer ones null.
/// </summary>
/// <param name="State">tcpi_state.</param>
/// <param name="RttMicroseconds">tcpi_rtt (smoothed, µs).</param>
/// <param name="BytesAcked">tcpi_bytes_acked: sequence space acknowledged by the peer (counts the SYN and FIN, so one or two more than the payload).</param>
/// <param name="BytesReceived">tcpi_bytes_received: sequence space received (counts the peer's FIN once it arrived).</param>
/// <param name="BytesSent">tcpi_bytes_sent: payload bytes sent, retransmissions included (Linux 4.19+).</param>
internal readonly record struct TcpInfoCounters(
    byte State,
    uint RttMicroseconds,
    ulong? BytesAcked,
    ulong? BytesReceived,
    ulong? BytesSent);
