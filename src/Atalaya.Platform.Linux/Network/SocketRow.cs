using System.Net;
using Atalaya.Platform.Linux.Network.SockDiag;

namespace Atalaya.Platform.Linux.Network;

/// <summary>
/// One socket as any sensor reads it (a /proc/net row, a sock_diag message), before roles and
/// owners are decided. Addresses are raw: an IPv4 peer of a dual-stack socket is still
/// <c>::ffff:a.b.c.d</c> here.
/// </summary>
/// <param name="Cookie">The kernel's socket cookie (sock_diag only; 0 from /proc/net).</param>
/// <param name="Traffic">Byte counters and rtt (sock_diag TCP only).</param>
internal readonly record struct SocketRow(
    bool IsUdp,
    bool IsIpv6,
    IPAddress LocalAddress,
    int LocalPort,
    IPAddress RemoteAddress,
    int RemotePort,
    TcpState State,
    uint Uid,
    long Inode,
    ulong Cookie,
    SocketTraffic? Traffic)
{
    public string Transport => IsUdp ? "udp" : "tcp";

    public SocketKey Key => new(IsUdp, IsIpv6, LocalAddress, LocalPort, RemoteAddress, RemotePort, Inode, Cookie);

    public static SocketRow FromProcNet(ProcNetTable table, in ProcNetSocket socket) => new(
        table.IsUdp, table.Ipv6, socket.LocalAddress, socket.LocalPort, socket.RemoteAddress, socket.RemotePort,
        socket.State, socket.Uid, socket.Inode, Cookie: 0, Traffic: null);

    public static SocketRow FromInetDiag(in InetDiagSocket socket) => new(
        socket.Protocol == SockDiagParser.IpprotoUdp, socket.Family == SockDiagParser.AfInet6,
        socket.LocalAddress, socket.LocalPort, socket.RemoteAddress, socket.RemotePort,
        socket.State, socket.Uid, socket.Inode, socket.Cookie, SocketTraffic.From(socket.TcpInfo));
}

/// <summary>
/// Identity of a socket across cycles: transport, family, 4-tuple, inode and cookie. The inode (and
/// the cookie where the sensor has it) tells a new connection apart from an old one that reused the
/// same 4-tuple between two polls; state, queues and counters are not part of it because they
/// change while the socket stays the same.
/// </summary>
internal readonly record struct SocketKey(
    bool IsUdp, bool IsIpv6, IPAddress LocalAddress, int LocalPort, IPAddress RemoteAddress, int RemotePort, long Inode, ulong Cookie);
