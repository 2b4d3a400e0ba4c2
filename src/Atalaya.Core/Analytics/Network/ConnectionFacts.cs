using Atalaya.Core.Schema;

namespace Atalaya.Core.Analytics.Network;

/// <summary>How the network analytics read connection events, whichever sensor produced them.</summary>
public static class ConnectionFacts
{
    /// <summary>An inbound handshake seen half-open (SYN_RECV); no connection exists yet.</summary>
    public const string ConnectionAttempt = "connection-attempt";

    /// <summary>
    /// A new connection, counted once: an <c>connection-opened</c> event, or the close of a
    /// connection no inventory saw (<c>atalaya.network.unseen</c>; before that flag: a sock_diag
    /// destroy notification without an inode or a start), which is the only lifecycle report of a
    /// connection shorter than a poll. Its start and owner come from the audit sensor's connect when
    /// audit runs. The audit sensor's own <c>connection-attempted</c>/<c>connection-accepted</c>
    /// are syscall records, not lifecycle events, and are not counted: one connection, one count —
    /// except a connect the kernel refused at once (<c>connection-attempted</c>, outcome failure):
    /// its socket's destroy notification carries no destination port (measured on 6.18: dport is
    /// zeroed), so audit's record is the only report of it, and a port sweep is made of them.
    /// </summary>
    public static bool IsNewConnection(EcsEvent value) => value.Event.Action switch
    {
        "connection-opened" => true,
        "connection-closed" or "connection-failed" => value.Atalaya?.Network?.Unseen == true
            || (value.Event.Start is null && value.Atalaya?.Network?.Inode is null),
        "connection-attempted" => value.Event.Outcome == EventOutcomes.Failure,
        _ => false,
    };

    /// <summary>A connection that never completed its handshake (refused, unreachable, timed out).</summary>
    public static bool IsFailed(EcsEvent value) => value.Event.Action switch
    {
        "connection-failed" => true,
        "connection-attempted" => value.Event.Outcome == EventOutcomes.Failure,
        _ => false,
    };

    /// <summary>When the connection began: event.start when known, else the event time.</summary>
    public static DateTimeOffset StartOf(EcsEvent value) => value.Event.Start ?? value.Timestamp;

    public static bool IsEgress(EcsEvent value) => value.Network?.Direction == "egress";

    public static bool IsIngress(EcsEvent value) => value.Network?.Direction == "ingress";

    /// <summary>The remote address as evidence shows it: "203.0.113.5 (updates.example.com)" when a name is known.</summary>
    public static string DestinationLabel(EcsEvent value) => value.Destination is { Ip: var ip, Domain: { Length: > 0 } domain }
        ? $"{ip} ({domain})"
        : value.Destination?.Ip ?? "?";

    public static string ProcessLabel(ProcessFields? process) =>
        process is null ? "an unknown process" : $"{process.Name ?? PathClassifier.FileName(process.Executable ?? "?")} (pid {process.Pid})";
}
