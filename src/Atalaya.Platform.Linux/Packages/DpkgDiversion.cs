namespace Atalaya.Platform.Linux.Packages;

/// <summary>
/// One dpkg diversion: other packages' <paramref name="Original"/> is installed as <paramref name="DivertedTo"/>;
/// <paramref name="Package"/> (null for a local diversion made by the administrator) keeps the original path.
/// </summary>
public sealed record DpkgDiversion(string Original, string DivertedTo, string? Package);
