namespace Atalaya.Platform.Linux.Persistence;

/// <summary>
/// One item of the persistence inventory. A file that holds several items (crontab lines, keys in
/// authorized_keys, udev rules with RUN+=, preloaded libraries) gives one entry per item, so a diff
/// says which line was added; other files (rc files, unit files) are one entry each.
/// </summary>
public sealed record PersistenceEntry
{
    /// <summary>Kind and host path plus the item's own identity: equal keys are "the same entry".</summary>
    public required string Key { get; init; }

    public required string Kind { get; init; }

    /// <summary>The host path (without the collector's root prefix).</summary>
    public required string Path { get; init; }

    public uint? OwnerUid { get; init; }

    public string? OwnerName { get; init; }

    /// <summary>Permission bits (st_mode &amp; 07777).</summary>
    public int? Mode { get; init; }

    /// <summary>SHA-256 of the whole file the entry lives in.</summary>
    public string? FileSha256 { get; init; }

    public long? FileSize { get; init; }

    public DateTimeOffset? FileMtime { get; init; }

    /// <summary>For symbolic links (unit enablement): where the link points.</summary>
    public string? LinkTarget { get; init; }

    public string? Command { get; init; }

    public string? Schedule { get; init; }

    public string? User { get; init; }

    public string? TargetExecutable { get; init; }

    public string? TargetSha256 { get; init; }

    /// <summary>Package owning <see cref="TargetExecutable"/>; null until the package-ownership lookup is wired.</summary>
    public string? TargetPackage { get; init; }

    /// <summary>True when the package lookup ran for the target (then a null <see cref="TargetPackage"/> means "no package").</summary>
    public bool PackageChecked { get; init; }

    public string? Detail { get; init; }

    /// <summary>
    /// What a diff compares: for per-item entries the item (its text is in the key, so only owner and
    /// mode matter beyond it); for per-file entries the content hash too.
    /// </summary>
    internal bool SameAs(PersistenceEntry other) =>
        string.Equals(FileSha256Compared, other.FileSha256Compared, StringComparison.Ordinal)
        && OwnerUid == other.OwnerUid
        && Mode == other.Mode
        && string.Equals(Command, other.Command, StringComparison.Ordinal)
        && string.Equals(LinkTarget, other.LinkTarget, StringComparison.Ordinal)
        && string.Equals(TargetSha256, other.TargetSha256, StringComparison.Ordinal);

    /// <summary>True for entries that are one item of a multi-item file (their file hash changes with siblings).</summary>
    public bool IsItem { get; init; }

    private string? FileSha256Compared => IsItem ? null : FileSha256;
}
