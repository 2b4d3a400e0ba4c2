namespace Atalaya.Core.Detection.Sigma;

public enum SigmaLoadStatus
{
    Ok,

    /// <summary>Valid Sigma the agent deliberately does not evaluate (the reason says why).</summary>
    Skipped,

    /// <summary>Invalid, or uses something this engine does not implement.</summary>
    Error,
}

/// <summary>The outcome of loading one rule (one YAML document): the rule, or a coded reason with file and line.</summary>
public sealed record SigmaLoadResult
{
    public required string Path { get; init; }

    public required SigmaLoadStatus Status { get; init; }

    /// <summary>The compiled rule; set when <see cref="Status"/> is Ok.</summary>
    public SigmaRule? Rule { get; init; }

    /// <summary>The loaded correlation rule; set when <see cref="Status"/> is Ok and the document is a correlation.</summary>
    public SigmaCorrelation? Correlation { get; init; }

    public string? Id { get; init; }

    public string? Title { get; init; }

    /// <summary>SIGMA0xx for errors, SIGMA1xx for skips; null when Ok.</summary>
    public string? Code { get; init; }

    /// <summary>Plain reason, without code or line.</summary>
    public string? Message { get; init; }

    /// <summary>1-based line of the problem, when known.</summary>
    public long? Line { get; init; }

    /// <summary>e.g. <c>SIGMA004 unknown modifier 'foo' at line 17</c>.</summary>
    public string? Reason => Code is null ? null : $"{Code} {Message}{(Line is { } line and > 0 ? $" at line {line}" : "")}";

    public string StatusWord => Status switch
    {
        SigmaLoadStatus.Ok => "ok",
        SigmaLoadStatus.Skipped => "skipped",
        _ => "error",
    };
}
