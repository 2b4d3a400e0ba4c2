using System.Threading.Channels;
using Atalaya.Core.Pipeline;

namespace Atalaya.Platform.Linux.Files;

/// <summary>
/// The enrichment side shared by the fanotify and inotify sensors: takes coalesced changes and rescan
/// requests from a bounded channel (the kernel-reading side never blocks on it: a full channel drops
/// and counts), builds events and publishes them. Owns the baseline tree snapshot used for rescans.
/// </summary>
internal sealed class FileChangePump
{
    private readonly Channel<CoalescedFileChange?> _channel;
    private readonly FileEventFactory _factory;
    private readonly WatchList _watch;
    private readonly FileMonitorOptions _options;
    private readonly TimeProvider _time;
    private readonly CollectorCounters _counters;
    private FileTreeSnapshot? _baseline;
    private PackageManagerBatch? _batch;
    private int _rescanRequested;

    public FileChangePump(FileEventFactory factory, WatchList watch, FileMonitorOptions options, TimeProvider time, CollectorCounters counters)
    {
        _factory = factory;
        _watch = watch;
        _options = options;
        _time = time;
        _counters = counters;
        _channel = Channel.CreateBounded<CoalescedFileChange?>(new BoundedChannelOptions(options.QueueCapacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>From the reading side; never blocks.</summary>
    public void Post(CoalescedFileChange change)
    {
        if (!_channel.Writer.TryWrite(change))
        {
            _counters.Increment("dropped-queue-full");
            RequestRescan();
        }
    }

    /// <summary>The kernel lost events (queue overflow) or this side dropped some: compare the tree with the last snapshot.</summary>
    public void RequestRescan()
    {
        if (Interlocked.Exchange(ref _rescanRequested, 1) == 0)
        {
            // A null item wakes the reader; the flag makes repeated requests one rescan.
            _channel.Writer.TryWrite(null);
        }
    }

    public void Complete() => _channel.Writer.TryComplete();

    public async Task RunAsync(IEventPublisher output, CancellationToken cancellationToken)
    {
        _baseline = await Task.Run(() => FileTreeSnapshot.Take(_watch, _options.RescanMaxEntries, cancellationToken), cancellationToken).ConfigureAwait(false);
        _counters.Increment("baseline-entries", _baseline.Entries.Count);
        try
        {
            while (await WaitAsync(output, cancellationToken).ConfigureAwait(false))
            {
                while (_channel.Reader.TryRead(out var change))
                {
                    if (change is not null)
                    {
                        Route(output, change);
                    }

                    if (Volatile.Read(ref _rescanRequested) == 1)
                    {
                        Rescan(output, cancellationToken);
                    }
                }
            }
        }
        finally
        {
            FlushBatch(output);
        }
    }

    /// <summary>
    /// Waits for the next change; while a package-manager batch is open, wakes when it has been quiet
    /// for the window and reports it. False when the reading side completed.
    /// </summary>
    private async Task<bool> WaitAsync(IEventPublisher output, CancellationToken cancellationToken)
    {
        while (_batch is { } batch)
        {
            var quietFor = _time.GetElapsedTime(batch.LastTimestamp);
            var openFor = _time.GetElapsedTime(batch.FirstTimestamp);
            if (quietFor >= _options.PackageBatchQuiet || openFor >= _options.PackageBatchMaxDuration)
            {
                FlushBatch(output);
                break;
            }

            var wait = TimeSpan.FromTicks(Math.Min((_options.PackageBatchQuiet - quietFor).Ticks, (_options.PackageBatchMaxDuration - openFor).Ticks));
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delay = Task.Delay(wait, _time, timeout.Token);
            var ready = _channel.Reader.WaitToReadAsync(timeout.Token).AsTask();
            var first = await Task.WhenAny(ready, delay).ConfigureAwait(false);
            await timeout.CancelAsync().ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            if (first == ready)
            {
                return await ready.ConfigureAwait(false);
            }
        }

        return await _channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false);
    }

    private void Route(IEventPublisher output, CoalescedFileChange change)
    {
        if (_options.PackageBatchQuiet <= TimeSpan.Zero || !_factory.IsPackageManagerRun(change))
        {
            Publish(output, change);
            return;
        }

        var now = _time.GetTimestamp();
        _batch ??= new PackageManagerBatch(now, _options.PackageBatchSamplePaths);
        var exists = Interop.TryStatx(change.Path, out var stat);
        bool? existedBefore = _baseline is null ? null : _baseline.Entries.ContainsKey(change.Path);
        _batch.Add(change, exists, existedBefore, now);
        _counters.Increment("package-batched-changes");
        TrackStat(change, exists, stat);
    }

    private void FlushBatch(IEventPublisher output)
    {
        if (_batch is not { } batch)
        {
            return;
        }

        _batch = null;
        output.Publish(_factory.BuildBatch(batch, _time.GetUtcNow()));
        _counters.Increment("package-batches");
        _counters.Increment("events");
    }

    /// <summary>The baseline bookkeeping of <see cref="Track"/> for a batched change, from a stat instead of a built event.</summary>
    private void TrackStat(CoalescedFileChange change, bool exists, in Interop.StatxBuffer stat)
    {
        if (_baseline is null)
        {
            return;
        }

        if (change.OldPath is not null)
        {
            _baseline.Entries.Remove(change.OldPath);
        }

        if (exists)
        {
            var mtime = DateTimeOffset.FromUnixTimeSeconds(stat.stx_mtime.tv_sec).AddTicks(stat.stx_mtime.tv_nsec / 100);
            _baseline.Entries[change.Path] = new FileTreeSnapshot.Entry(change.IsDirectory ? 0 : (long)stat.stx_size, mtime.UtcTicks,
                stat.stx_mode & 0xFFF, change.IsDirectory);
        }
        else
        {
            _baseline.Entries.Remove(change.Path);
        }
    }

    private void Rescan(IEventPublisher output, CancellationToken cancellationToken)
    {
        Interlocked.Exchange(ref _rescanRequested, 0);
        _counters.Increment("rescans");
        var current = FileTreeSnapshot.Take(_watch, _options.RescanMaxEntries, cancellationToken);
        if (_baseline is not null)
        {
            foreach (var change in FileTreeSnapshot.Diff(_baseline, current, _time.GetTimestamp()))
            {
                _counters.Increment("rescan-changes");
                Publish(output, change);
            }
        }

        _baseline = current;
    }

    /// <summary>
    /// Keeps the baseline in step with what was already reported, so a rescan after an overflow reports
    /// only what the lost events covered, not every change since the start.
    /// </summary>
    private void Track(CoalescedFileChange change, Core.Schema.EcsEvent built)
    {
        if (_baseline is null)
        {
            return;
        }

        if (change.OldPath is not null)
        {
            _baseline.Entries.Remove(change.OldPath);
        }

        if (built.File is { Size: { } size, Mtime: { } mtime, Mode: { } mode })
        {
            _baseline.Entries[change.Path] = new FileTreeSnapshot.Entry(change.IsDirectory ? 0 : size, mtime.UtcTicks,
                Convert.ToInt32(mode, 8), change.IsDirectory);
        }
        else
        {
            _baseline.Entries.Remove(change.Path);
        }
    }

    private void Publish(IEventPublisher output, CoalescedFileChange change)
    {
        try
        {
            var built = _factory.Build(change, _time.GetUtcNow());
            output.Publish(built);
            _counters.Increment("events");
            Track(change, built);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _counters.Increment("build-failed");
        }
    }
}
