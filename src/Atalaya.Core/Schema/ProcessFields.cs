namespace Atalaya.Core.Schema;

/// <summary>ECS <c>process.*</c>. The parent is the same shape, usually with fewer fields set.</summary>
public sealed record ProcessFields
{
    public int Pid { get; init; }

    /// <summary>Stable across pid reuse: derived from boot id, pid and start time.</summary>
    public string? EntityId { get; init; }

    public string? Name { get; init; }

    public string? Executable { get; init; }

    public string? CommandLine { get; init; }

    public IReadOnlyList<string>? Args { get; init; }

    public int? ArgsCount { get; init; }

    public string? WorkingDirectory { get; init; }

    public DateTimeOffset? Start { get; init; }

    public DateTimeOffset? End { get; init; }

    public UserFields? User { get; init; }

    public HashFields? Hash { get; init; }

    public ProcessFields? Parent { get; init; }
}

/// <summary>ECS <c>*.hash.*</c>.</summary>
public sealed record HashFields
{
    public string? Sha256 { get; init; }
}

/// <summary>ECS <c>user.*</c> (also <c>process.user.*</c>).</summary>
public sealed record UserFields
{
    public string? Id { get; init; }

    public string? Name { get; init; }
}
