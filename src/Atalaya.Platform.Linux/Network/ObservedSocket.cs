using System.Net;

namespace Atalaya.Platform.Linux.Network;

/// <summary>
/// A socket worth reporting, as seen in one cycle: a listener or an established connection, with
/// its addresses in report form, its direction and its owner.
/// </summary>
internal sealed record ObservedSocket
{
    public required ProcNetTable Table { get; init; }

    public required ProcNetSocket Raw { get; init; }

    public required bool IsListener { get; init; }

    public required IPAddress LocalAddress { get; init; }

    public required IPAddress RemoteAddress { get; init; }

    /// <summary>listening, ingress or egress.</summary>
    public required string Direction { get; init; }

    /// <summary>Set for listeners only.</summary>
    public string? Exposure { get; init; }

    public OwnerProcess? Owner { get; init; }

    public string NetworkType => SocketAddresses.NetworkType(LocalAddress);

    public SocketKey Key => new(Table, Raw.LocalAddress, Raw.LocalPort, Raw.RemoteAddress, Raw.RemotePort, Raw.Inode);

    public ListeningSocket ToListeningSocket() => new(
        Table.Transport, NetworkType, LocalAddress, Raw.LocalPort, Exposure ?? SocketAddresses.Exposure(LocalAddress),
        Raw.Inode, Raw.Uid, Owner?.Pid, Owner?.Name, Owner?.Executable);
}

/// <summary>
/// Identity of a socket across cycles: table, 4-tuple and inode. The inode tells a new connection
/// apart from an old one that reused the same 4-tuple between two polls; state and queue sizes are
/// not part of it because they change while the socket stays the same.
/// </summary>
internal readonly record struct SocketKey(
    ProcNetTable Table, IPAddress LocalAddress, int LocalPort, IPAddress RemoteAddress, int RemotePort, long Inode);
