namespace Atalaya.Platform.Linux.Network;

/// <summary>The counters the connection collector reports in <c>atalaya status</c>.</summary>
internal static class NetworkCounterNames
{
    /// <summary>Table rows that did not parse (truncated or hostile lines).</summary>
    public const string ParseErrors = "parse_errors";

    /// <summary>Events (published or snapshot) about a socket whose owning process could not be found.</summary>
    public const string OwnersUnknown = "owners_unknown";

    /// <summary>Reads of the four tables (every cycle and every <c>TakeSnapshot</c>).</summary>
    public const string Snapshots = "snapshots";

    public const string EventsPublished = "events_published";

    /// <summary>Processes whose fd table could not be read (EACCES when not root, I/O errors).</summary>
    public const string FdScanErrors = "fd_scan_errors";

    /// <summary>Processes that exited while their fd table was being read (normal churn).</summary>
    public const string ProcessesVanished = "processes_vanished";

    /// <summary>sock_diag dumps the kernel refused or that failed mid-way.</summary>
    public const string DumpErrors = "dump_errors";

    /// <summary>TCP close notifications received from the destroy groups.</summary>
    public const string CloseNotifications = "close_notifications";

    /// <summary>Times the kernel dropped close notifications because the agent fell behind (ENOBUFS).</summary>
    public const string CloseNotificationsLost = "close_notifications_lost";

    /// <summary>1 while the destroy-group listener runs (CAP_NET_ADMIN granted), 0 otherwise.</summary>
    public const string CloseListenerActive = "close_listener_active";
}
