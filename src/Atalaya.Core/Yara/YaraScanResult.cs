namespace Atalaya.Core.Yara;

/// <summary>The outcome of scanning one file: the rules that matched, or why the file could not be scanned.</summary>
public sealed record YaraScanResult(IReadOnlyList<YaraMatch> Matches, string? Error)
{
    public static YaraScanResult Failed(string error) => new([], error);
}
