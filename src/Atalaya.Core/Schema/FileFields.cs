namespace Atalaya.Core.Schema;

/// <summary>ECS <c>file.*</c>.</summary>
public sealed record FileFields
{
    public string? Path { get; init; }

    public string? Name { get; init; }

    public long? Size { get; init; }

    public DateTimeOffset? Mtime { get; init; }

    public string? Owner { get; init; }

    /// <summary>ECS file.uid: the owner's numeric id, as a string.</summary>
    public string? Uid { get; init; }

    /// <summary>ECS file.mode: permission bits in octal, e.g. <c>0644</c>.</summary>
    public string? Mode { get; init; }

    /// <summary>ECS file.target_path: where a symbolic link points.</summary>
    public string? TargetPath { get; init; }

    public HashFields? Hash { get; init; }
}
