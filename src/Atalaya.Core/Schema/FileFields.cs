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

    /// <summary>Permission bits in octal (ECS <c>file.mode</c>), e.g. <c>0755</c>.</summary>
    public string? Mode { get; init; }
}
