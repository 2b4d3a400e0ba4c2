namespace Atalaya.Platform.Linux.Yara;

/// <summary>
/// What compiling a rules folder gave: the rules (null when libyara is missing or nothing compiled),
/// the files that compiled, and each refused file's errors with their lines.
/// </summary>
public sealed record YaraCompilation
{
    public YaraRules? Rules { get; init; }

    /// <summary>Why YARA is off: libyara absent, or null when it is available.</summary>
    public string? UnavailableReason { get; init; }

    public IReadOnlyList<string> FilesCompiled { get; init; } = [];

    public IReadOnlyList<YaraCompileError> Errors { get; init; } = [];

    /// <summary>Warnings of files that did compile (slow strings, unreferenced ones).</summary>
    public IReadOnlyList<YaraCompileError> Warnings { get; init; } = [];

    public bool Available => UnavailableReason is null;

    public int RuleCount => Rules?.RuleCount ?? 0;
}
