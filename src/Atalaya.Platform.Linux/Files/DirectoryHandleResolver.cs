using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace Atalaya.Platform.Linux.Files;

/// <summary>
/// Turns the directory file handle of a fanotify event into a path.
/// <para>
/// A live directory resolves through open_by_handle_at(2) against a descriptor on the same filesystem
/// (needs CAP_DAC_READ_SEARCH) and readlink of /proc/self/fd/N. A removed one does not: once rmdir has
/// dropped the inode the kernel answers ESTALE, and the reader is often that late. <c>rm -r dir</c> queues
/// one event per file (named by the handle of <c>dir</c>) and then the rmdir; on a loaded host the reader
/// gets to them after the rmdir, and every file deletion would be unresolvable and lost.
/// </para>
/// <para>
/// So the handle of every watched directory is known before it can disappear: the watched trees are
/// walked (name_to_handle_at) right after the mark is placed, a new directory's handle comes with its
/// creation event (FAN_REPORT_TARGET_FID, or name_to_handle_at at once on older kernels), and moves and
/// removals keep this index in step with the event stream (a rename rewrites the paths below it, an
/// rmdir forgets the directory once the events before it, its files', have been read). Directories
/// outside the watched places are only cached from open_by_handle_at; that cache is dropped on any
/// directory move, since a cached path could then be stale. Both are bounded; what cannot be kept or
/// resolved is counted.
/// </para>
/// </summary>
internal sealed class DirectoryHandleResolver : IDisposable
{
    private const int CacheCapacity = 16_384;
    private const string DeletedSuffix = " (deleted)";

    private readonly Dictionary<ulong, SafeFileHandle> _mounts = [];
    private readonly WatchList _watch;
    private readonly IReadOnlyList<string> _prefixes;
    private readonly int _capacity;

    /// <summary>Watched directories: handle key to path, and path to handle key.</summary>
    private readonly Dictionary<string, string> _known = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _knownByPath = new(StringComparer.Ordinal);

    /// <summary>Directories known to be gone whose entries are kept until the reader catches up (path, handle key).</summary>
    private readonly List<(string Path, string? Key)> _pendingRemovals = [];

    /// <summary>Other directories, as open_by_handle_at last named them.</summary>
    private readonly Dictionary<string, string> _cache = new(StringComparer.Ordinal);

    public DirectoryHandleResolver(WatchList watch, int capacity = 65_536)
    {
        ArgumentNullException.ThrowIfNull(watch);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _watch = watch;
        _prefixes = watch.LiteralPrefixes();
        _capacity = capacity;
    }

    public long Resolved { get; private set; }

    public long Failed { get; private set; }

    public long CacheHits { get; private set; }

    /// <summary>Watched directories whose handle is known (walked, created, moved in or resolved).</summary>
    public int KnownCount => _known.Count;

    /// <summary>Watched directories not indexed because the index was full: events in them resolve only while they exist.</summary>
    public long IndexFull { get; private set; }

    /// <summary>Watched directories whose handle could not be taken (gone before it could be, or refused by the filesystem).</summary>
    public long HandleUnavailable { get; private set; }

    /// <summary>Registers a directory on a marked filesystem as the mount reference for its fsid.</summary>
    public bool AddMount(ulong fsid, string directory, out int errno)
    {
        errno = 0;
        if (_mounts.ContainsKey(fsid))
        {
            return true;
        }

        var handle = Interop.OpenDirectory(directory, out errno);
        if (handle.IsInvalid)
        {
            handle.Dispose();
            return false;
        }

        _mounts[fsid] = handle;
        return true;
    }

    /// <summary>The directory's path at the time of the events read so far, or null when it is gone (ESTALE) and was never indexed.</summary>
    public string? Resolve(FanotifyFileHandle handle)
    {
        if (_known.TryGetValue(handle.Key, out var known) || _cache.TryGetValue(handle.Key, out known))
        {
            CacheHits++;
            return known;
        }

        var path = Open(handle);
        if (path is null)
        {
            Failed++;
            // Not cached: a handle that fails now (a race with rmdir) must not hide a later directory.
            return null;
        }

        Resolved++;
        // A watched directory the full index refused is still cached: not kept past its removal, but not
        // reopened for every event either.
        if (!_watch.Includes(path) || !Index(handle.Key, path))
        {
            if (_cache.Count >= CacheCapacity)
            {
                _cache.Clear();
            }

            _cache[handle.Key] = path;
        }

        return path;
    }

    /// <summary>
    /// Indexes every existing directory of the watched places: once right after the mark is placed (a
    /// directory made after the walk has a creation event), and again after a queue overflow, when moves
    /// and removals may have been lost. Then the walk gives each live directory its current path; one
    /// indexed but not found is held until the reader catches up, since events still queued may name it.
    /// </summary>
    public void Rebuild()
    {
        _cache.Clear();
        var before = new Dictionary<string, string>(_known, StringComparer.Ordinal);
        foreach (var root in _watch.ExistingRoots())
        {
            Walk(root, before);
        }

        foreach (var (key, path) in before)
        {
            _pendingRemovals.Add((path, key));
        }
    }

    /// <summary>
    /// A directory appeared at <paramref name="path"/> (mkdir, or moved there): indexes it by the handle the
    /// event carried, or by name_to_handle_at while it is still there. A directory moved in from elsewhere
    /// brings its subtree, which is walked (<paramref name="withSubtree"/>).
    /// </summary>
    public void Appeared(string path, ulong fsid, FanotifyFileHandle? target, bool withSubtree)
    {
        if (withSubtree)
        {
            if (_watch.Includes(path))
            {
                // Walked as it is now: when the reader is late the subtree may have changed since the move,
                // and a part already removed again is not found (its contents' deletions stay unresolved).
                Walk(path);
            }
            else if (MayHoldWatched(path))
            {
                // An ancestor of watched places (or a place a glob will match below) moved in.
                foreach (var root in _watch.ExistingRoots())
                {
                    if (WatchList.IsAtOrBelow(root, path))
                    {
                        Walk(root);
                    }
                }
            }
        }

        if (!_watch.Includes(path))
        {
            return;
        }

        if (target is not null)
        {
            Index(target.Key, path);
        }
        else
        {
            // Older kernels: the handle of whatever is at the path now, the best there is (gone already: counted).
            Learn(path, fsid);
        }
    }

    /// <summary>
    /// A directory was removed: forgotten, since the events about its contents came before this one. By its
    /// own handle when the event carried it (the path may never have resolved: a parent removed as well).
    /// </summary>
    public void Removed(string? path, FanotifyFileHandle? target)
    {
        if (target is not null && _known.Remove(target.Key, out var indexed))
        {
            _knownByPath.Remove(indexed);
        }

        if (path is not null && _knownByPath.Remove(path, out var key))
        {
            _known.Remove(key);
        }
    }

    /// <summary>
    /// A directory made and removed while its creation waited in the queue: the kernel merged the rmdir
    /// into the mkdir's event (same name, same process), which sits ahead of the events about the
    /// directory's contents. It is forgotten once the reader has caught up (<see cref="CaughtUp"/>): the
    /// rmdir has happened, so all of those events are queued before that point.
    /// </summary>
    public void RemovedLater(string path, FanotifyFileHandle? target)
    {
        if (_pendingRemovals.Count >= _capacity)
        {
            // A reader that never finds the queue empty (a directory made and removed again and again):
            // the held removals take effect now rather than grow without bound; a late event about one of
            // those directories' files then goes unresolved, and is counted as such.
            RemovalsAppliedEarly++;
            CaughtUp();
        }

        _pendingRemovals.Add((path, target?.Key));
    }

    /// <summary>Times the held-back removals reached the index's capacity before the reader caught up.</summary>
    public long RemovalsAppliedEarly { get; private set; }

    /// <summary>The reader found the kernel queue empty: the removals it was holding back take effect.</summary>
    public void CaughtUp()
    {
        foreach (var (path, key) in _pendingRemovals)
        {
            // A later directory under the same name has its own handle: only this one's entry goes.
            if (key is not null)
            {
                if (_known.Remove(key, out var indexed))
                {
                    _knownByPath.Remove(indexed);
                }
            }
            else if (!Directory.Exists(path))
            {
                // Older kernels name no handle: whatever is indexed under the name goes if nothing is there now.
                Removed(path, null);
            }
        }

        _pendingRemovals.Clear();
    }

    /// <summary>
    /// A directory moved from <paramref name="oldPath"/> to <paramref name="newPath"/> (FAN_RENAME), or only
    /// left <paramref name="oldPath"/> when <paramref name="newPath"/> is null (MOVED_FROM before 5.17, the
    /// destination following as its own event): the indexed paths below it are rewritten or forgotten.
    /// </summary>
    public void Moved(string oldPath, string? newPath)
    {
        // Any cached path below the old one is stale now; the cache is only a cache.
        _cache.Clear();
        if (!MayHoldWatched(oldPath))
        {
            return;
        }

        List<(string Path, string Key)>? moved = null;
        foreach (var (path, key) in _knownByPath)
        {
            if (WatchList.IsAtOrBelow(path, oldPath))
            {
                (moved ??= []).Add((path, key));
            }
        }

        if (moved is null)
        {
            return;
        }

        foreach (var (path, key) in moved)
        {
            _knownByPath.Remove(path);
            _known.Remove(key);
        }

        if (newPath is null)
        {
            return;
        }

        foreach (var (path, key) in moved)
        {
            var renamed = string.Concat(newPath, path.AsSpan(oldPath.Length));
            if (_watch.Includes(renamed))
            {
                Index(key, renamed);
            }
        }
    }

    /// <summary>Whether a directory at <paramref name="path"/> can be or hold a watched place: below or above a watched prefix.</summary>
    private bool MayHoldWatched(string path)
    {
        foreach (var prefix in _prefixes)
        {
            if (WatchList.IsAtOrBelow(path, prefix) || WatchList.IsAtOrBelow(prefix, path))
            {
                return true;
            }
        }

        return false;
    }

    private void Walk(string root, Dictionary<string, string>? unseen = null)
    {
        var pending = new Stack<string>();
        pending.Push(root);
        var options = new EnumerationOptions
        {
            RecurseSubdirectories = false,
            IgnoreInaccessible = true,
            AttributesToSkip = FileAttributes.ReparsePoint,
            ReturnSpecialDirectories = false,
        };
        while (pending.TryPop(out var directory))
        {
            if (!_watch.Includes(directory) || !IsRealDirectory(directory) || !Interop.TryGetFsid(directory, out var fsid))
            {
                continue;
            }

            // A filesystem mounted below a watched place without a mark of its own sends no events: nothing
            // of it is indexed, though a marked one may be mounted further down.
            if (_mounts.ContainsKey(fsid) && !Learn(directory, fsid, unseen) && _known.Count >= _capacity)
            {
                return;
            }

            try
            {
                foreach (var child in Directory.EnumerateDirectories(directory, "*", options))
                {
                    pending.Push(child);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
    }

    /// <summary>A directory and not a symlink to one (a walk root may be either; the kernel names the real path).</summary>
    private static bool IsRealDirectory(string path)
    {
        try
        {
            var attributes = File.GetAttributes(path);
            return (attributes & FileAttributes.Directory) != 0 && (attributes & FileAttributes.ReparsePoint) == 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private bool Learn(string path, ulong fsid, Dictionary<string, string>? unseen = null)
    {
        if (!Interop.TryGetHandle(path, out var type, out var bytes, out _) || bytes.Length == 0)
        {
            HandleUnavailable++;
            return false;
        }

        var key = new FanotifyFileHandle(fsid, type, bytes).Key;
        unseen?.Remove(key);
        return Index(key, path);
    }

    private bool Index(string key, string path)
    {
        if (_knownByPath.Remove(path, out var previous))
        {
            // A new directory under a name whose old directory's removal was not seen (an overflow).
            _known.Remove(previous);
        }

        if (_known.Remove(key, out var old))
        {
            _knownByPath.Remove(old);
        }

        if (_known.Count >= _capacity)
        {
            IndexFull++;
            return false;
        }

        _known[key] = path;
        _knownByPath[path] = key;
        return true;
    }

    private string? Open(FanotifyFileHandle handle)
    {
        if (!_mounts.TryGetValue(handle.Fsid, out var mount))
        {
            return null;
        }

        var fd = Interop.OpenByHandle(mount, handle.ToFileHandleStruct(), out _);
        if (fd < 0)
        {
            return null;
        }

        try
        {
            var target = Interop.ReadLink(string.Concat("/proc/self/fd/", fd.ToString(CultureInfo.InvariantCulture)), out _);
            if (target is null || target.Length == 0 || target[0] != '/')
            {
                return null;
            }

            // A directory removed while its events wait in the queue still resolves while its inode is in memory, with the kernel's suffix.
            return target.EndsWith(DeletedSuffix, StringComparison.Ordinal) ? target[..^DeletedSuffix.Length] : target;
        }
        finally
        {
            Interop.Close(fd);
        }
    }

    public void Dispose()
    {
        foreach (var handle in _mounts.Values)
        {
            handle.Dispose();
        }

        _mounts.Clear();
    }
}
