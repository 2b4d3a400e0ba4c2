namespace Atalaya.Platform.Linux.Packages;

/// <summary>A package that owns a file.</summary>
/// <param name="Name">Package name as people write it (<c>coreutils</c>, <c>libc6</c>), without the multi-arch qualifier.</param>
/// <param name="Key">The package manager's own key (<c>libc6:amd64</c> for a dpkg Multi-Arch: same package).</param>
/// <param name="Version">Installed version when the status database names it.</param>
public sealed record PackageOwner(string Name, string Key, string? Version);
