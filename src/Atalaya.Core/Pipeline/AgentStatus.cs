namespace Atalaya.Core.Pipeline;

/// <summary>
/// What <c>atalaya status</c> shows: saved by the running agent every few seconds, read by the CLI
/// from the store, so status works from another process without an API.
/// </summary>
public sealed record AgentStatus
{
    public required int Pid { get; init; }

    public required string Version { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>running, or stopped after a clean shutdown.</summary>
    public required string State { get; init; }

    public required IReadOnlyList<CollectorHealth> Collectors { get; init; }

    public required long EventsPublished { get; init; }

    /// <summary>Events the bounded queue dropped because the pipeline was behind.</summary>
    public required long EventsDropped { get; init; }

    public required long EventsProcessed { get; init; }

    public required long EventsStored { get; init; }

    public required long AlertsRaised { get; init; }

    /// <summary>Events on which an analytic threw, by analytic id: the analytic was skipped for them, so detection had a gap.</summary>
    public IReadOnlyDictionary<string, long> AnalyticFailures { get; init; } = new Dictionary<string, long>();

    /// <summary>
    /// The rules that failed most at run time (an exception, or a regex match abandoned at its
    /// timeout), worst first, at most 10: each failure was a match the rule could not decide.
    /// </summary>
    public IReadOnlyList<RuleFailure> RuleFailures { get; init; } = [];

    /// <summary>Batches the store refused (locked, full disk): their events were retried or counted lost.</summary>
    public long StoreErrors { get; init; }

    public string? LastStoreError { get; init; }
}

/// <summary>One rule's run-time failures (see <see cref="AgentStatus.RuleFailures"/>).</summary>
public sealed record RuleFailure
{
    public required string RuleId { get; init; }

    /// <summary>Events on which evaluating the rule threw.</summary>
    public long Errors { get; init; }

    /// <summary>Events on which a <c>|re</c> match of the rule timed out (counted as no match).</summary>
    public long RegexTimeouts { get; init; }

    public long Total => Errors + RegexTimeouts;
}

/// <summary>One collector's health: which sensor, whether it runs, how often it was restarted.</summary>
public sealed record CollectorHealth
{
    public required string Name { get; init; }

    public required string Sensor { get; init; }

    /// <summary>starting|running|backoff|stopped.</summary>
    public required string State { get; init; }

    public int Restarts { get; init; }

    public string? LastError { get; init; }

    public DateTimeOffset? LastErrorAt { get; init; }

    public IReadOnlyDictionary<string, long> Counters { get; init; } = new Dictionary<string, long>();
}
