using System.Net;

namespace Atalaya.Platform.Linux.Network;

/// <summary>
/// One socket waiting for peers: a TCP listener or a bound, unconnected UDP socket. This is the
/// inventory <c>atalaya scan</c> and the exposed-listener analytic read.
/// </summary>
/// <param name="Transport">tcp or udp.</param>
/// <param name="NetworkType">ipv4 or ipv6; an IPv4-mapped IPv6 bind is ipv4.</param>
/// <param name="Address">The bound address, IPv4-mapped addresses shown as IPv4.</param>
/// <param name="Port">The bound port.</param>
/// <param name="Exposure">loopback, all-interfaces or specific-address.</param>
/// <param name="Inode">The socket's inode, the key to its owner.</param>
/// <param name="Uid">The uid that created the socket.</param>
/// <param name="Pid">The owning process, when it could be found.</param>
/// <param name="ProcessName">The owner's comm.</param>
/// <param name="Executable">The owner's executable path.</param>
public sealed record ListeningSocket(
    string Transport,
    string NetworkType,
    IPAddress Address,
    int Port,
    string Exposure,
    long Inode,
    uint Uid,
    int? Pid,
    string? ProcessName,
    string? Executable);
