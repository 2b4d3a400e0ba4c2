namespace Atalaya.Platform.Linux.Network.SockDiag;

/// <summary>Settings of <see cref="SockDiagConnectionCollector"/>.</summary>
public sealed record SockDiagConnectionCollectorOptions
{
    /// <summary>Time between two inventories (sub-second works: a warm cycle costs a few milliseconds).</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Where procfs is mounted (owners are still found through /proc/[pid]/fd).</summary>
    public string ProcRoot { get; init; } = "/proc";

    /// <summary>Listen to the TCP destroy groups for every close with its final bytes (needs CAP_NET_ADMIN; skipped without it).</summary>
    public bool CloseNotifications { get; init; } = true;

    /// <summary>Completes each network event as it is built (names, service names, package ownership); must not block.</summary>
    public Func<Atalaya.Core.Schema.EcsEvent, Atalaya.Core.Schema.EcsEvent>? Enrich { get; init; }
}
