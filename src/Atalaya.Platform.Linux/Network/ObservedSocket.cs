using System.Net;

namespace Atalaya.Platform.Linux.Network;

/// <summary>
/// A socket worth reporting, as seen in one cycle (or one close notification): a listener or a
/// connection, with its addresses in report form, its direction and its owner.
/// </summary>
internal sealed record ObservedSocket
{
    public required SocketRow Row { get; init; }

    public required bool IsListener { get; init; }

    public required IPAddress LocalAddress { get; init; }

    public required IPAddress RemoteAddress { get; init; }

    /// <summary>listening, ingress or egress.</summary>
    public required string Direction { get; init; }

    /// <summary>Set for listeners only.</summary>
    public string? Exposure { get; init; }

    public OwnerProcess? Owner { get; init; }

    /// <summary>Which of the owner's fds 0, 1, 2 are this socket (stdin, stdout, stderr); null when none or unknown.</summary>
    public IReadOnlyList<string>? StandardStreams { get; init; }

    public string Transport => Row.Transport;

    public string NetworkType => SocketAddresses.NetworkType(LocalAddress);

    public SocketKey Key => Row.Key;

    public ListeningSocket ToListeningSocket() => new(
        Transport, NetworkType, LocalAddress, Row.LocalPort, Exposure ?? SocketAddresses.Exposure(LocalAddress),
        Row.Inode, Row.Uid, Owner?.Pid, Owner?.Name, Owner?.Executable);
}
