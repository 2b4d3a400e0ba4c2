using Atalaya.Core.Pipeline;
using Atalaya.Platform.Linux.Hashing;
using Atalaya.Platform.Linux.Host;
using Atalaya.Platform.Linux.Packages;
using Microsoft.Win32.SafeHandles;

namespace Atalaya.Platform.Linux.Files;

/// <summary>
/// File integrity with the writer named: fanotify in FAN_REPORT_DFID_NAME mode with a filesystem mark
/// on each filesystem that holds a watched place (a mount mark refuses create/delete/move events with
/// EINVAL). Every event carries the pid of the process that made the change; its executable and
/// command line are read from /proc as the event is read. A filesystem mark sees the whole filesystem,
/// so events are filtered in user space by the <see cref="WatchList"/>, and the agent's own pid is dropped.
/// A dedicated thread reads the descriptor; a FAN_Q_OVERFLOW (the kernel queue of 16384 events filled)
/// is counted as loss and triggers a rescan of the watched places.
/// Events name their directory by file handle, which the kernel no longer resolves once the directory is
/// removed; the reader is often that late (<c>rm -r</c>, <c>dpkg -r</c> on a busy host), so the handles of
/// the watched directories are indexed while they exist (see <see cref="DirectoryHandleResolver"/>).
/// </summary>
public sealed class FanotifyFileCollector : IEventCollector, IDisposable
{
    private const int PollTimeoutMilliseconds = 50;

    /// <summary>
    /// More than one event can take: metadata, the old and new directory handles with names (128-byte
    /// handles, 255-byte names) of a rename, and the object's fid.
    /// </summary>
    private const int MaxEventBytes = 4096;

    private readonly SafeFileHandle _fanotify;
    private readonly DirectoryHandleResolver _directories;
    private readonly WatchList _watch;
    private readonly FileMonitorOptions _options;
    private readonly TimeProvider _time;
    private readonly WriterResolver _writers;
    private readonly FileEventFactory _factory;
    private readonly bool _hasRename;
    private readonly int _ownPid = Environment.ProcessId;

    private long _reportedIndexFull;
    private long _reportedHandleUnavailable;
    private long _reportedWriterGone;
    private long _reportedWriterNamedFromEarlier;
    private long _reportedRemovalsAppliedEarly;

    private FanotifyFileCollector(SafeFileHandle fanotify, DirectoryHandleResolver directories, WatchList watch, bool hasRename, bool hasTargetFid,
        IReadOnlyList<string> marked, Dictionary<string, string> unmarked, FileMonitorOptions options, TimeProvider time,
        LinuxHostInfo? host, ExecutableHashCache hashes, UserNameResolver users, IPackageDatabase? packages)
    {
        _fanotify = fanotify;
        _directories = directories;
        _watch = watch;
        _hasRename = hasRename;
        ReportsNewDirectoryHandles = hasTargetFid;
        MarkedFilesystems = marked;
        UnmarkedPaths = [.. unmarked.Keys];
        UnmarkedReasons = unmarked;
        _options = options;
        _time = time;
        _writers = new WriterResolver(options.ProcRoot, host, users, time);
        _factory = new FileEventFactory(host?.Host, hashes, users, packages, activity: null, options, Counters);

        // Per path, not all or nothing: the places on a filesystem that refused the mark (overlay without
        // nfs_export, fuse, procfs) are watched by inotify, without the writer, beside the fanotify marks.
        var fallbackPatterns = watch.PatternsWithPrefix(unmarked.Keys);
        if (fallbackPatterns.Count > 0)
        {
            InotifyFallback = new InotifyFileCollector(options with { WatchedPaths = fallbackPatterns }, time, host, hashes, users, packages)
            {
                FallbackReason = string.Join("; ", unmarked.Select(kv => $"{kv.Key}: {kv.Value}")),
            };
        }

        ReportLosses();
        Sensor = InotifyFallback is null
            ? "fanotify"
            : $"fanotify ({string.Join(", ", marked)}) + inotify ({string.Join(", ", fallbackPatterns)}: {InotifyFallback.FallbackReason})";
    }

    public string Name => "file";

    /// <summary><c>fanotify</c>, or which places fanotify marks and which inotify watches and why, for status.</summary>
    public string Sensor { get; }

    /// <summary>The inotify sensor for the watched places whose filesystem refused the fanotify mark; null when none did.</summary>
    public InotifyFileCollector? InotifyFallback { get; }

    /// <summary>Why each unmarked path was refused (the mark's errno).</summary>
    public IReadOnlyDictionary<string, string> UnmarkedReasons { get; }

    public CollectorCounters Counters { get; } = new();

    /// <summary>
    /// Whether the kernel hands over a new directory's handle with its creation (FAN_REPORT_TARGET_FID,
    /// Linux 5.17+). Without it the handle is taken when the creation is read, and the contents of a
    /// directory made and removed before that are not resolved (counted as unresolved-directory).
    /// </summary>
    public bool ReportsNewDirectoryHandles { get; }

    /// <summary>
    /// Watched directories whose handle is indexed. Written by the reading thread; a read from another
    /// thread sees a recent value, enough for status and tests.
    /// </summary>
    internal int IndexedDirectories => _directories.KnownCount;

    /// <summary>One watched path per filesystem that carries the mark.</summary>
    public IReadOnlyList<string> MarkedFilesystems { get; }

    /// <summary>Watched places whose filesystem refused the mark (no file handle support): watched by <see cref="InotifyFallback"/>.</summary>
    public IReadOnlyList<string> UnmarkedPaths { get; }

    /// <summary>
    /// Sets up fanotify, or returns null with the reason (not root, kernel without FAN_REPORT_DFID_NAME,
    /// no filesystem accepted the mark) so the platform can fall back to inotify.
    /// </summary>
    public static FanotifyFileCollector? TryCreate(FileMonitorOptions options, TimeProvider time, LinuxHostInfo? host,
        ExecutableHashCache hashes, UserNameResolver users, IPackageDatabase? packages, out string? reason)
    {
        ArgumentNullException.ThrowIfNull(options);
        // 5.17+: the handle of a new directory comes with its creation, so the events about its contents
        // resolve even when the reader gets to them after the directory is gone. Older kernels refuse the
        // flag (EINVAL) and the directory's handle is taken with name_to_handle_at when its creation is read.
        const uint Base = Interop.FAN_CLASS_NOTIF | Interop.FAN_REPORT_DFID_NAME | Interop.FAN_CLOEXEC;
        var fanotify = Interop.FanotifyInit(Base | Interop.FAN_REPORT_FID | Interop.FAN_REPORT_TARGET_FID,
            Interop.O_RDONLY, out var errno);
        var hasTargetFid = !fanotify.IsInvalid;
        if (fanotify.IsInvalid && errno == Interop.EINVAL)
        {
            fanotify.Dispose();
            fanotify = Interop.FanotifyInit(Base, Interop.O_RDONLY, out errno);
        }

        if (fanotify.IsInvalid)
        {
            fanotify.Dispose();
            reason = errno switch
            {
                Interop.EPERM => "fanotify_init refused (EPERM): needs CAP_SYS_ADMIN (run as root)",
                Interop.EINVAL => "fanotify_init refused FAN_REPORT_DFID_NAME (EINVAL): kernel older than 5.9",
                _ => $"fanotify_init failed (errno {errno})",
            };
            return null;
        }

        var watch = new WatchList(options.WatchedPaths, options.ExcludedPaths);
        var directories = new DirectoryHandleResolver(watch);
        var marked = new List<string>();
        var unmarked = new Dictionary<string, string>(StringComparer.Ordinal);
        var markedFsids = new HashSet<ulong>();
        bool? hasRename = null;
        foreach (var prefix in watch.LiteralPrefixes())
        {
            var anchor = NearestExistingDirectory(prefix);
            if (anchor is null || !Interop.TryGetFsid(anchor, out var fsid))
            {
                unmarked[prefix] = "no filesystem id (statfs refused)";
                continue;
            }

            if (markedFsids.Contains(fsid))
            {
                continue;
            }

            var flags = Interop.FAN_MARK_ADD | Interop.FAN_MARK_FILESYSTEM;
            var result = Interop.FanotifyMark(fanotify, flags, hasRename == false ? FanotifyMask.WithoutRename : FanotifyMask.WithRename, anchor);
            if (result == Interop.EINVAL && hasRename is null)
            {
                // FAN_RENAME is 5.17+: older kernels take unpaired MOVED_FROM/MOVED_TO.
                hasRename = false;
                result = Interop.FanotifyMark(fanotify, flags, FanotifyMask.WithoutRename, anchor);
            }
            else if (result == 0)
            {
                hasRename ??= true;
            }

            if (result != 0)
            {
                unmarked[prefix] = result switch
                {
                    Interop.EOPNOTSUPP => "filesystem mark refused (EOPNOTSUPP): no decodable file handles on this filesystem",
                    Interop.ENODEV => "filesystem mark refused (ENODEV): no file handle support",
                    Interop.EXDEV => "filesystem mark refused (EXDEV): filesystem in a subvolume or with a different fsid",
                    _ => $"filesystem mark refused (errno {result})",
                };
                continue;
            }

            if (!directories.AddMount(fsid, anchor, out _))
            {
                unmarked[prefix] = "no handle for the mount (open_by_handle_at will not resolve its directories)";
                continue;
            }

            markedFsids.Add(fsid);
            marked.Add(anchor);
        }

        if (marked.Count == 0)
        {
            directories.Dispose();
            fanotify.Dispose();
            reason = "no watched filesystem accepted a fanotify filesystem mark";
            return null;
        }

        // After the mark: a directory made after the walk has a creation event, one made before is walked.
        directories.Rebuild();
        reason = null;
        return new FanotifyFileCollector(fanotify, directories, watch, hasRename ?? true, hasTargetFid, marked, unmarked, options, time, host, hashes, users, packages);
    }

    public async Task RunAsync(IEventPublisher output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        var pump = new FileChangePump(_factory, _watch, _options, _time, Counters);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reader = new Thread(() => ReadLoop(pump, stop.Token)) { IsBackground = true, Name = "atalaya-fanotify" };
        reader.Start();
        var fallback = InotifyFallback?.RunAsync(output, stop.Token) ?? Task.CompletedTask;
        try
        {
            await pump.RunAsync(output, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            reader.Join();
            try
            {
                await fallback.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
        }
    }

    private void ReadLoop(FileChangePump pump, CancellationToken cancellationToken)
    {
        var buffer = new byte[Math.Clamp(_options.ReadBufferSize, 64 * 1024, 256 * 1024)];
        var records = new List<FanotifyRecord>(1024);
        var coalescer = new FileChangeCoalescer(_options.CoalesceWindow, _options.MaxDelay, _time.TimestampFrequency, _options.QueueCapacity);

        // The writer is named from /proc when its event is read, and a short-lived writer (rm, dpkg -r) is
        // gone soon after its last change: on a busy host this thread must be scheduled ahead of the load
        // it watches. Only this thread; refused without CAP_SYS_NICE, which is counted.
        if (_options.ReaderNice != 0 && Interop.SetCurrentThreadNice(_options.ReaderNice) != 0)
        {
            Counters.Increment("reader-priority-refused");
        }

        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                if (Interop.PollReadable(_fanotify, PollTimeoutMilliseconds))
                {
                    var read = Interop.Read(_fanotify, buffer, out var errno);
                    if (read < 0 && errno is not (Interop.EAGAIN or Interop.EINTR))
                    {
                        Counters.Increment("read-errors");
                    }

                    if (read > 0)
                    {
                        records.Clear();
                        Counters.Increment("malformed", FanotifyEventParser.Parse(buffer.AsSpan(0, read), records));
                        foreach (var record in records)
                        {
                            Handle(record, coalescer, pump);
                        }

                        ReportLosses();
                    }

                    if (read >= 0 && read <= buffer.Length - MaxEventBytes)
                    {
                        // A read stops early only when the queue is empty (the next event would have fit).
                        _directories.CaughtUp();
                    }
                }
                else
                {
                    _directories.CaughtUp();
                }

                foreach (var change in coalescer.Drain(_time.GetTimestamp()))
                {
                    pump.Post(change);
                }
            }
        }
        finally
        {
            foreach (var change in coalescer.Drain(_time.GetTimestamp(), all: true))
            {
                pump.Post(change);
            }

            Counters.Increment("coalesced", coalescer.Merged);
            pump.Complete();
        }
    }

    private void Handle(FanotifyRecord record, FileChangeCoalescer coalescer, FileChangePump pump)
    {
        Counters.Increment("kernel-events");
        if (record.Fd >= 0)
        {
            // Fid mode reports no descriptors; should one arrive anyway it must be closed or it leaks.
            Interop.Close(record.Fd);
        }

        if (record.IsOverflow)
        {
            Counters.Increment("lost-overflow");
            // Lost moves may have left indexed paths stale: walk the watched places again.
            _directories.Rebuild();
            pump.RequestRescan();
            return;
        }

        // The agent's own directory changes still move the directory index; its other changes are dropped unread.
        var own = record.Pid == _ownPid;
        if ((own && !record.IsDirectory) || record.Directory is null || record.Name is null)
        {
            return;
        }

        var directory = _directories.Resolve(record.Directory);
        string? oldPath = null;
        if (record.OldDirectory is not null && record.OldName is not null && _directories.Resolve(record.OldDirectory) is { } oldDirectory)
        {
            oldPath = Join(oldDirectory, record.OldName);
        }

        if (directory is null)
        {
            Counters.Increment("unresolved-directory");
            if (record.IsDirectory && oldPath is not null)
            {
                _directories.Moved(oldPath, null);
            }
            else if (record.IsDirectory && (record.Mask & FanotifyMask.Delete) != 0)
            {
                // Its parent is gone too and was never indexed (above the watched places): the entry goes by handle.
                _directories.Removed(null, record.Target);
            }

            return;
        }

        var path = Join(directory, record.Name);
        if (record.IsDirectory)
        {
            TrackDirectory(record, path, oldPath);
        }

        if (own)
        {
            return;
        }

        var included = _watch.Includes(path);
        var oldIncluded = oldPath is not null && _watch.Includes(oldPath);
        if (!included && !oldIncluded)
        {
            return;
        }

        Counters.Increment("watched-events");
        var writer = _writers.Resolve(record.Pid, out var writerPartial);
        var timestamp = _time.GetTimestamp();
        if (!included)
        {
            // Moved out of the watched places: for them it is a disappearance.
            coalescer.Add(new RawFileChange(oldPath!, FileOperation.MovedFrom, record.IsDirectory, timestamp, record.Pid, writer, writerPartial));
            return;
        }

        var operation = ToOperation(record.Mask);
        if (operation == FileOperation.None)
        {
            return;
        }

        coalescer.Add(new RawFileChange(path, operation, record.IsDirectory, timestamp, record.Pid, writer, writerPartial, oldPath));
    }

    /// <summary>
    /// Keeps the directory index in step with the stream, before any later event needs it: a new
    /// directory is indexed by the handle its creation carried, a moved one rewrites the paths below it,
    /// a removed one is forgotten. A create and a delete merged into one event (the kernel merges
    /// mkdir+rmdir of one name by one process, at the position of the mkdir) is kept: the events about the
    /// directory's contents still follow it in the queue.
    /// </summary>
    private void TrackDirectory(FanotifyRecord record, string path, string? oldPath)
    {
        var mask = record.Mask;
        var fsid = record.Directory!.Fsid;
        if ((mask & FanotifyMask.Rename) != 0)
        {
            if (oldPath is not null)
            {
                _directories.Moved(oldPath, path);
            }

            _directories.Appeared(path, fsid, record.Target, withSubtree: oldPath is null || !_watch.Includes(oldPath));
            return;
        }

        if ((mask & FanotifyMask.MovedFrom) != 0)
        {
            _directories.Moved(path, null);
        }

        if ((mask & (FanotifyMask.Create | FanotifyMask.MovedTo)) != 0)
        {
            _directories.Appeared(path, fsid, record.Target, withSubtree: (mask & FanotifyMask.MovedTo) != 0);
            if ((mask & FanotifyMask.Delete) != 0)
            {
                _directories.RemovedLater(path, record.Target);
            }
        }
        else if ((mask & FanotifyMask.Delete) != 0)
        {
            _directories.Removed(path, record.Target);
        }
    }

    /// <summary>
    /// Carries what the directory index and the writer lookup could not do into the counters (status
    /// shows them), as deltas since the last report: watched directories left out of a full index or
    /// whose handle could not be taken, writers gone before their first event was read (named by pid
    /// only, and so never batched as a package manager), and writers named from an earlier read.
    /// </summary>
    private void ReportLosses()
    {
        Report("directory-index-full", _directories.IndexFull, ref _reportedIndexFull);
        Report("directory-handle-unavailable", _directories.HandleUnavailable, ref _reportedHandleUnavailable);
        Report("writer-gone", _writers.Gone, ref _reportedWriterGone);
        Report("writer-named-from-earlier", _writers.GoneNamedFromEarlier, ref _reportedWriterNamedFromEarlier);
        Report("directory-removals-applied-early", _directories.RemovalsAppliedEarly, ref _reportedRemovalsAppliedEarly);
    }

    private void Report(string name, long total, ref long reported)
    {
        if (total != reported)
        {
            Counters.Increment(name, total - reported);
            reported = total;
        }
    }

    private FileOperation ToOperation(ulong mask)
    {
        var operation = FileOperation.None;
        if ((mask & FanotifyMask.Create) != 0)
        {
            operation |= FileOperation.Create;
        }

        if ((mask & FanotifyMask.Modify) != 0)
        {
            operation |= FileOperation.Modify;
        }

        if ((mask & FanotifyMask.CloseWrite) != 0)
        {
            operation |= FileOperation.CloseWrite;
        }

        if ((mask & FanotifyMask.Attrib) != 0)
        {
            operation |= FileOperation.Attrib;
        }

        if ((mask & (FanotifyMask.Rename | FanotifyMask.MovedTo)) != 0)
        {
            operation |= FileOperation.MovedTo;
        }

        if (!_hasRename && (mask & FanotifyMask.MovedFrom) != 0)
        {
            operation |= FileOperation.MovedFrom;
        }

        if ((mask & FanotifyMask.Delete) != 0)
        {
            operation |= FileOperation.Delete;
        }

        return operation;
    }

    private static string Join(string directory, string name) =>
        name == "." ? directory : directory == "/" ? "/" + name : string.Concat(directory, "/", name);

    private static string? NearestExistingDirectory(string path)
    {
        var current = path;
        while (!Directory.Exists(current))
        {
            var parent = Path.GetDirectoryName(current);
            if (parent is null || parent == current)
            {
                return null;
            }

            current = parent;
        }

        return current;
    }

    public void Dispose()
    {
        _directories.Dispose();
        _fanotify.Dispose();
    }
}
