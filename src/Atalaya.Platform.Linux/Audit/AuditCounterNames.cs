namespace Atalaya.Platform.Linux.Audit;

/// <summary>Counters of the kernel-audit sensor, as <c>atalaya status</c> shows them.</summary>
public static class AuditCounterNames
{
    public const string Available = "available";
    public const string EventsPublished = "events_published";
    public const string Records = "records";
    public const string ParseErrors = "parse_errors";
    public const string EventsAssembled = "audit_events";
    public const string IncompleteEvents = "incomplete_events";

    /// <summary>Records the kernel dropped since the sensor started (AUDIT_GET lost, delta): the drops.</summary>
    public const string KernelLost = "kernel_lost";

    /// <summary>Records waiting in the kernel queue at the last status read.</summary>
    public const string KernelBacklog = "kernel_backlog";

    /// <summary>The record socket overflowed (ENOBUFS): an unknown number of records was lost there.</summary>
    public const string SocketOverflows = "socket_overflows";
    public const string RulesInstalled = "rules_installed";
    public const string RulesRefused = "rules_refused";
    public const string StaleRulesRemoved = "stale_rules_removed";

    /// <summary>Connects and accepts handed to the network sensor as owners of connections too short for its inventory.</summary>
    public const string ConnectHints = "connect_hints";
}
