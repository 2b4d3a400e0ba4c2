namespace Atalaya.Platform.Linux.Network;

/// <summary>Settings of <see cref="ProcNetConnectionCollector"/>.</summary>
public sealed record ProcNetConnectionCollectorOptions
{
    /// <summary>
    /// Time between two reads of the socket tables. Connections that open and close within one
    /// interval are not seen by this polling sensor; sock_diag or audit are the real-time rungs.
    /// </summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Where procfs is mounted; tests and containers with a host /proc bind-mount change it.</summary>
    public string ProcRoot { get; init; } = "/proc";

    /// <summary>Completes each network event as it is built (names, service names, package ownership); must not block.</summary>
    public Func<Atalaya.Core.Schema.EcsEvent, Atalaya.Core.Schema.EcsEvent>? Enrich { get; init; }
}
