namespace Atalaya.Core.Incidents;

/// <summary>Alerts on one process tree close in time, told as one story.</summary>
public sealed record Incident
{
    /// <summary>Stable for the same first alert: <c>in-</c> and 24 hex digits.</summary>
    public required string Id { get; init; }

    /// <summary>The highest non-system process of the tree that the alerts name.</summary>
    public required IncidentProcess? Root { get; init; }

    public required DateTimeOffset Start { get; init; }

    public required DateTimeOffset End { get; init; }

    /// <summary>See <see cref="IncidentCorrelator"/>: noisy-OR of the member alert scores plus the cross-domain bonus.</summary>
    public required int Score { get; init; }

    public required string Verdict { get; init; }

    public required string? Severity { get; init; }

    public required IReadOnlyList<string> AlertIds { get; init; }

    /// <summary>process, network, persistence, file, account: those the members touch, in that order.</summary>
    public required IReadOnlyList<string> Domains { get; init; }

    public required IReadOnlyList<IncidentTimelineEntry> Timeline { get; init; }
}

/// <summary>A process named by an incident.</summary>
public sealed record IncidentProcess(int Pid, string? Executable);

/// <summary>One piece of evidence on the incident's timeline.</summary>
public sealed record IncidentTimelineEntry(
    DateTimeOffset Timestamp,
    string Domain,
    int? Pid,
    string? Executable,
    string RuleId,
    string Detail,
    string AlertId);
