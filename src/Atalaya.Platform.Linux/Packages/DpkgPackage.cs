namespace Atalaya.Platform.Linux.Packages;

/// <summary>One stanza of <c>/var/lib/dpkg/status</c>, reduced to what integrity checks need.</summary>
/// <param name="Conffiles">Conffile path → digest recorded at installation (hex; "newconffile" or "obsolete" markers dropped).</param>
public sealed record DpkgPackage(
    string Name,
    string? Architecture,
    string? Version,
    string? Status,
    bool MultiArchSame,
    IReadOnlyDictionary<string, string> Conffiles)
{
    /// <summary>The name of its files in /var/lib/dpkg/info: <c>name:arch</c> for Multi-Arch: same packages.</summary>
    public string InfoKey => MultiArchSame && Architecture is { Length: > 0 } arch ? $"{Name}:{arch}" : Name;

    /// <summary>"install ok installed": only such packages own files on disk.</summary>
    public bool IsInstalled => Status is { } s && s.EndsWith(" installed", StringComparison.Ordinal);
}
