namespace Atalaya.Platform.Linux.Files;

/// <summary>
/// What the watched places hold at one moment (path → size, mtime, mode), taken at start and again when
/// the kernel queue overflowed: the difference is what the lost events would have said, without the writer.
/// Bounded by an entry count; symlinks are recorded, not followed.
/// </summary>
internal sealed class FileTreeSnapshot
{
    private FileTreeSnapshot(Dictionary<string, Entry> entries, bool truncated)
    {
        Entries = entries;
        Truncated = truncated;
    }

    public Dictionary<string, Entry> Entries { get; }

    /// <summary>The entry bound was reached: some paths are missing, so a diff may miss changes (never invents them below the bound).</summary>
    public bool Truncated { get; }

    public static FileTreeSnapshot Take(WatchList watch, int maxEntries, CancellationToken cancellationToken)
    {
        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        var options = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            IgnoreInaccessible = true,
            AttributesToSkip = 0,
            ReturnSpecialDirectories = false,
        };
        foreach (var root in watch.ExistingRoots())
        {
            if (entries.Count >= maxEntries)
            {
                return new FileTreeSnapshot(entries, true);
            }

            try
            {
                var info = new FileInfo(root);
                if (info.Exists || Directory.Exists(root))
                {
                    Add(entries, root, Directory.Exists(root) ? new DirectoryInfo(root) : info, watch);
                }

                if (!Directory.Exists(root) || new DirectoryInfo(root).LinkTarget is not null)
                {
                    continue;
                }

                foreach (var entry in new DirectoryInfo(root).EnumerateFileSystemInfos("*", options))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    Add(entries, entry.FullName, entry, watch);
                    if (entries.Count >= maxEntries)
                    {
                        return new FileTreeSnapshot(entries, true);
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A root removed during the walk: what was read so far stands.
            }
        }

        return new FileTreeSnapshot(entries, false);
    }

    private static void Add(Dictionary<string, Entry> entries, string path, FileSystemInfo info, WatchList watch)
    {
        if (!watch.Includes(path))
        {
            return;
        }

        var isDirectory = (info.Attributes & FileAttributes.Directory) != 0;
        entries[path] = new Entry(isDirectory ? 0 : (info as FileInfo)?.Length ?? 0, info.LastWriteTimeUtc.Ticks, (int)info.UnixFileMode, isDirectory);
    }

    /// <summary>Changes from <paramref name="before"/> to <paramref name="after"/> as coalesced changes with no writer.</summary>
    public static List<CoalescedFileChange> Diff(FileTreeSnapshot before, FileTreeSnapshot after, long timestamp)
    {
        var changes = new List<CoalescedFileChange>();
        foreach (var (path, entry) in after.Entries)
        {
            if (!before.Entries.TryGetValue(path, out var old))
            {
                changes.Add(Make(path, FileOperation.Create, entry.IsDirectory, timestamp));
            }
            else if (!entry.IsDirectory && (old.Size != entry.Size || old.MtimeTicks != entry.MtimeTicks))
            {
                changes.Add(Make(path, FileOperation.Modify, false, timestamp));
            }
            else if (old.Mode != entry.Mode)
            {
                changes.Add(Make(path, FileOperation.Attrib, entry.IsDirectory, timestamp));
            }
        }

        // A truncated "after" would turn every unread path into a false deletion.
        if (!after.Truncated)
        {
            foreach (var (path, entry) in before.Entries)
            {
                if (!after.Entries.ContainsKey(path))
                {
                    changes.Add(Make(path, FileOperation.Delete, entry.IsDirectory, timestamp));
                }
            }
        }

        return changes;
    }

    private static CoalescedFileChange Make(string path, FileOperation operation, bool isDirectory, long timestamp) => new()
    {
        Path = path,
        Operations = operation,
        First = operation,
        Last = operation,
        IsDirectory = isDirectory,
        Count = 1,
        FirstTimestamp = timestamp,
    };

    internal readonly record struct Entry(long Size, long MtimeTicks, int Mode, bool IsDirectory);
}
