namespace Atalaya.Core.Schema;

/// <summary>ECS <c>file.*</c>.</summary>
public sealed record FileFields
{
    public string? Path { get; init; }

    public string? Name { get; init; }

    public long? Size { get; init; }

    public DateTimeOffset? Mtime { get; init; }

    public string? Owner { get; init; }

    public HashFields? Hash { get; init; }
}
