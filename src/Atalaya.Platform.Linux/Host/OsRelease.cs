namespace Atalaya.Platform.Linux.Host;

/// <summary>The os-release(5) fields the agent reports; each may be absent.</summary>
public sealed record OsRelease
{
    public string? Name { get; init; }

    public string? Id { get; init; }

    /// <summary>Space-separated ids of related distributions (<c>ubuntu debian</c>).</summary>
    public string? IdLike { get; init; }

    public string? VersionId { get; init; }

    public string? Version { get; init; }

    public string? PrettyName { get; init; }
}
