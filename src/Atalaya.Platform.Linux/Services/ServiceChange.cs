namespace Atalaya.Platform.Linux.Services;

/// <summary>What happened to one unit between two reads of <c>systemctl show</c>.</summary>
public enum ServiceChangeKind
{
    /// <summary>A unit not loaded at the previous read (installed, or loaded by a start).</summary>
    Added,

    /// <summary>Its program, unit file, enablement or running state changed.</summary>
    Changed,

    /// <summary>It entered the failed state (crash loop, a killed service, a payload that exits).</summary>
    Failed,
}

/// <param name="Previous">The state at the previous read; null for <see cref="ServiceChangeKind.Added"/>.</param>
public sealed record ServiceChange(ServiceChangeKind Kind, ServiceState Current, ServiceState? Previous);
