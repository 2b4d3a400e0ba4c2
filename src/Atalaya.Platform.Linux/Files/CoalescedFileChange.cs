using Atalaya.Core.Schema;

namespace Atalaya.Platform.Linux.Files;

/// <summary>Everything that happened to one path within one coalescing window, ready to become one event.</summary>
public sealed record CoalescedFileChange
{
    public required string Path { get; init; }

    /// <summary>Every operation seen, in any order.</summary>
    public required FileOperation Operations { get; init; }

    public required FileOperation First { get; init; }

    public required FileOperation Last { get; init; }

    public required bool IsDirectory { get; init; }

    public required int Count { get; init; }

    /// <summary>Timestamp (TimeProvider ticks) of the first raw event.</summary>
    public required long FirstTimestamp { get; init; }

    public string? OldPath { get; init; }

    public int? WriterPid { get; init; }

    public ProcessFields? Writer { get; init; }

    public bool WriterPartial { get; init; }

    /// <summary>The file is still there after the window (its last operation did not remove it).</summary>
    public bool ExistsAtEnd => (Last & (FileOperation.Delete | FileOperation.MovedFrom)) == 0;

    /// <summary>The first thing that happened brought the path into existence.</summary>
    public bool StartedWithCreation => (First & (FileOperation.Create | FileOperation.MovedTo)) != 0;

    /// <summary>
    /// ECS event.type values and Atalaya's event.action for this change. <paramref name="existsNow"/>, when
    /// known from a stat after the window, wins over the operation order: the kernel merges identical
    /// events into one mask, so "deleted and recreated" and "created and deleted" can carry the same bits.
    /// </summary>
    public (IReadOnlyList<string> Types, string Action) Classify(bool? existsNow = null)
    {
        if (!(existsNow ?? ExistsAtEnd))
        {
            return StartedWithCreation
                ? ([EventTypes.Creation, EventTypes.Deletion], FileActions.CreatedAndDeleted)
                : ([EventTypes.Deletion], (Last & FileOperation.MovedFrom) != 0 ? FileActions.MovedAway : FileActions.Deleted);
        }

        if (OldPath is not null)
        {
            return ([EventTypes.Change], FileActions.Renamed);
        }

        if (StartedWithCreation)
        {
            return ([EventTypes.Creation], FileActions.Created);
        }

        return (Operations & (FileOperation.Modify | FileOperation.CloseWrite | FileOperation.Create)) != 0
            ? ([EventTypes.Change], FileActions.Modified)
            : ([EventTypes.Change], FileActions.AttributesChanged);
    }
}

/// <summary>event.action values of file events.</summary>
public static class FileActions
{
    public const string Created = "file-created";
    public const string Modified = "file-modified";
    public const string Deleted = "file-deleted";
    public const string Renamed = "file-renamed";
    public const string MovedAway = "file-moved-away";
    public const string CreatedAndDeleted = "file-created-and-deleted";
    public const string AttributesChanged = "file-attributes-changed";
    public const string PackageFileModified = "package-file-modified";
    public const string UnownedExecutable = "unowned-executable";
    public const string PackageManagerBatch = "package-manager-batch";
}
