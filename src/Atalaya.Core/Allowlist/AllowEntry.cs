namespace Atalaya.Core.Allowlist;

/// <summary>
/// One trust decision: signals about <see cref="Executable"/> (and, when given, only that exact
/// file by hash, only one rule, only one destination) raise no alert until <see cref="Until"/>.
/// Every optional part narrows the entry; none widens it. Who and why are kept for the audit.
/// </summary>
public sealed record AllowEntry
{
    /// <summary>Store row id; 0 before the entry is stored.</summary>
    public long Id { get; init; }

    public required string Executable { get; init; }

    /// <summary>Lowercase SHA-256 the executable must have; null trusts the path whatever its content.</summary>
    public string? Sha256 { get; init; }

    /// <summary>Only signals from this analytic or rule (rule.id); null for all of them.</summary>
    public string? RuleId { get; init; }

    /// <summary>Only signals about connections to this address; null for any.</summary>
    public string? DestinationIp { get; init; }

    /// <summary>Only signals about connections to this port (with <see cref="DestinationIp"/> or alone); null for any.</summary>
    public int? DestinationPort { get; init; }

    public required DateTimeOffset Until { get; init; }

    public required string Who { get; init; }

    public required string Why { get; init; }

    public required DateTimeOffset Created { get; init; }

    public bool IsExpired(DateTimeOffset now) => now >= Until;
}
