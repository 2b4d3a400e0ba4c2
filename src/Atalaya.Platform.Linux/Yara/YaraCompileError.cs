namespace Atalaya.Platform.Linux.Yara;

/// <summary>A rule file libyara refused: which file, which line, what it said.</summary>
public sealed record YaraCompileError(string File, int Line, string Message)
{
    public override string ToString() => $"{File}:{Line}: {Message}";
}
