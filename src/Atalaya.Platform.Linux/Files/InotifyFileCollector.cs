using Atalaya.Core.Pipeline;
using Atalaya.Platform.Linux.Hashing;
using Atalaya.Platform.Linux.Host;
using Atalaya.Platform.Linux.Packages;

namespace Atalaya.Platform.Linux.Files;

/// <summary>
/// The fallback file sensor when fanotify is refused (not root, kernel before 5.9): inotify through
/// <see cref="FileSystemWatcher"/>, one recursive watcher per existing watched root. inotify does not
/// say who made a change, so these events have no <c>process.*</c>. A watched root that does not exist
/// at start (no /root/.ssh yet) is not covered until restart; an inotify queue overflow (the watcher's
/// Error event) is counted and triggers a rescan, as with fanotify.
/// </summary>
public sealed class InotifyFileCollector : IEventCollector
{
    private readonly FileMonitorOptions _options;
    private readonly TimeProvider _time;
    private readonly WatchList _watch;
    private readonly FileEventFactory _factory;

    public InotifyFileCollector(FileMonitorOptions options, TimeProvider time, LinuxHostInfo? host, ExecutableHashCache hashes,
        UserNameResolver users, IPackageDatabase? packages)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _time = time;
        _watch = new WatchList(options.WatchedPaths, options.ExcludedPaths);
        _factory = new FileEventFactory(host?.Host, hashes, users, packages, new PackageManagerActivity(options.ProcRoot, time), options, Counters);
    }

    public string Name => "file";

    public string Sensor => "inotify";

    public CollectorCounters Counters { get; } = new();

    /// <summary>Why fanotify was not used (reported by the platform when it fell back).</summary>
    public string? FallbackReason { get; init; }

    public async Task RunAsync(IEventPublisher output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        var pump = new FileChangePump(_factory, _watch, _options, _time, Counters);
        var coalescer = new FileChangeCoalescer(_options.CoalesceWindow, _options.MaxDelay, _time.TimestampFrequency, _options.QueueCapacity);
        var gate = new Lock();
        var watchers = new List<FileSystemWatcher>();
        try
        {
            foreach (var root in _watch.ExistingRoots())
            {
                var isDirectory = Directory.Exists(root);
                var watcher = new FileSystemWatcher(isDirectory ? root : Path.GetDirectoryName(root)!)
                {
                    IncludeSubdirectories = isDirectory,
                    NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite
                                   | NotifyFilters.Size | NotifyFilters.Attributes | NotifyFilters.Security,
                    InternalBufferSize = 64 * 1024,
                };
                if (!isDirectory)
                {
                    watcher.Filter = Path.GetFileName(root);
                }

                watcher.Created += (_, e) => Add(e.FullPath, FileOperation.Create, null);
                watcher.Changed += (_, e) => Add(e.FullPath, FileOperation.Modify, null);
                watcher.Deleted += (_, e) => Add(e.FullPath, FileOperation.Delete, null);
                watcher.Renamed += (_, e) => Add(e.FullPath, FileOperation.MovedTo, e.OldFullPath);
                watcher.Error += (_, _) =>
                {
                    Counters.Increment("lost-overflow");
                    pump.RequestRescan();
                };
                watcher.EnableRaisingEvents = true;
                watchers.Add(watcher);
            }

            Counters.Increment("watched-roots", watchers.Count);
            var drain = DrainLoopAsync(coalescer, gate, pump, cancellationToken);
            try
            {
                await pump.RunAsync(output, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }

            await drain.ConfigureAwait(false);
        }
        finally
        {
            foreach (var watcher in watchers)
            {
                watcher.Dispose();
            }
        }

        void Add(string path, FileOperation operation, string? oldPath)
        {
            var included = _watch.Includes(path);
            if (!included && !(oldPath is not null && _watch.Includes(oldPath)))
            {
                return;
            }

            Counters.Increment("kernel-events");
            lock (gate)
            {
                coalescer.Add(included
                    ? new RawFileChange(path, operation, Directory.Exists(path), _time.GetTimestamp(), null, null, false, oldPath)
                    : new RawFileChange(oldPath!, FileOperation.MovedFrom, false, _time.GetTimestamp(), null, null, false));
            }
        }
    }

    private async Task DrainLoopAsync(FileChangeCoalescer coalescer, Lock gate, FileChangePump pump, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50), _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                List<CoalescedFileChange> ready;
                lock (gate)
                {
                    ready = coalescer.Drain(_time.GetTimestamp());
                }

                foreach (var change in ready)
                {
                    pump.Post(change);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            lock (gate)
            {
                Counters.Increment("coalesced", coalescer.Merged);
            }

            pump.Complete();
        }
    }
}
