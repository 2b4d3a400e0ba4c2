using System.Globalization;
using System.IO.Enumeration;
using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Hashing;
using Atalaya.Platform.Linux.Host;

namespace Atalaya.Platform.Linux.Processes;

/// <summary>
/// The fallback process sensor: polls /proc and diffs snapshots keyed by (pid, starttime), so a reused
/// pid is a new process. It misses processes that live less than one interval; the netlink process
/// connector sensor does not, and replaces this one when it is available.
/// </summary>
/// <remarks>
/// Exec detection: exec keeps pid and starttime, so each cycle compares comm (from stat, which is read
/// anyway) and the readlink of /proc/[pid]/exe (one cheap syscall) with the cached facts; either change
/// triggers a full re-read and a <c>process-exec</c> event. A re-exec of the same binary with the same
/// comm (bash exec'ing bash) is not seen by polling.
/// The user id is read at the full read only: a setuid() without exec is not followed.
/// </remarks>
public sealed class ProcfsProcessCollector : IProcessSensor
{
    public const string ActionRunning = "process-running";
    public const string ActionStarted = "process-started";
    public const string ActionEnded = "process-ended";
    public const string ActionExec = "process-exec";

    private const int ParallelReadThreshold = 64;

    private readonly ProcfsProcessCollectorOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ProcessEventBuilder _builder;
    private readonly ProcessReader _reader;
    private readonly Lock _gate = new();
    private Dictionary<(int Pid, ulong StartTime), ProcessFacts> _facts = [];
    private bool _firstScanDone;

    public ProcfsProcessCollector(ProcfsProcessCollectorOptions options, TimeProvider timeProvider, LinuxHostInfo host,
        ExecutableHashCache hashes, UserNameResolver users, GroupNameResolver? groups = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.Interval, TimeSpan.Zero);
        _options = options;
        _timeProvider = timeProvider;
        _reader = new ProcessReader(options.ProcRoot);
        _builder = new ProcessEventBuilder(host, hashes, users, groups ?? new GroupNameResolver(), _reader, options.MaxAncestry, Counters)
        {
            Packages = options.Packages,
        };
    }

    public string Name => "process";

    public string Sensor => "procfs-polling";

    public CollectorCounters Counters { get; } = new();

    /// <summary>Every process running now, as <c>event.kind: state</c>, action <c>process-running</c>.</summary>
    public IReadOnlyList<EcsEvent> TakeSnapshot(CancellationToken cancellationToken)
    {
        var snapshot = Scan(cancellationToken);
        var now = _timeProvider.GetUtcNow();
        var events = new List<EcsEvent>(snapshot.Count);
        foreach (var entry in snapshot.Values)
        {
            events.Add(_builder.Build(entry, snapshot, EventKinds.State, EventTypes.Info, ActionRunning, now, end: null));
        }

        return events;
    }

    public async Task RunAsync(IEventPublisher output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);

        try
        {
            // The first cycle reports what was already running, so detections see processes older than the agent.
            var previous = Scan(cancellationToken);
            var now = _timeProvider.GetUtcNow();
            foreach (var entry in previous.Values)
            {
                Publish(output, _builder.Build(entry, previous, EventKinds.State, EventTypes.Info, ActionRunning, now, end: null));
            }

            using var timer = new PeriodicTimer(_options.Interval, _timeProvider);
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                var current = Scan(cancellationToken);
                now = _timeProvider.GetUtcNow();
                PublishDiff(output, previous, current, now);
                previous = current;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping is not a fault: the supervisor only restarts on exceptions.
        }
    }

    private void PublishDiff(IEventPublisher output, Dictionary<int, ProcessEntry> previous, Dictionary<int, ProcessEntry> current, DateTimeOffset now) =>
        PublishDiff(_builder, output, previous, current, now, Counters);

    /// <summary>
    /// Ends for what left or was replaced (pid reuse), starts for what appeared, execs for a changed image.
    /// Shared with the netlink sensor's resync after a loss.
    /// </summary>
    internal static void PublishDiff(ProcessEventBuilder builder, IEventPublisher output, Dictionary<int, ProcessEntry> previous,
        Dictionary<int, ProcessEntry> current, DateTimeOffset now, CollectorCounters counters)
    {
        foreach (var (pid, entry) in previous)
        {
            if (!current.TryGetValue(pid, out var still) || still.Facts.StartTime != entry.Facts.StartTime)
            {
                // Built against the previous snapshot: that is where its parent and ancestry still exist.
                output.Publish(builder.Build(entry, previous, EventKinds.Event, EventTypes.End, ActionEnded, now, end: now));
                counters.Increment("events_published");
            }
        }

        foreach (var (pid, entry) in current)
        {
            if (!previous.TryGetValue(pid, out var before) || before.Facts.StartTime != entry.Facts.StartTime)
            {
                output.Publish(builder.Build(entry, current, EventKinds.Event, EventTypes.Start, ActionStarted, now, end: null));
                counters.Increment("events_published");
            }
            else if (!ReferenceEquals(before.Facts, entry.Facts))
            {
                output.Publish(builder.Build(entry, current, EventKinds.Event, EventTypes.Start, ActionExec, now, end: null));
                counters.Increment("events_published");
            }
        }
    }

    private void Publish(IEventPublisher output, EcsEvent value)
    {
        output.Publish(value);
        Counters.Increment("events_published");
    }

    /// <summary>One pass over /proc: pid → entry, reusing cached facts for processes already known.</summary>
    internal Dictionary<int, ProcessEntry> Scan(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            // Processes that appear after the first pass are new: their memory map is sampled once. The
            // first pass does not sample (a thousand maps reads at start buy little: nothing was new).
            var sampleMaps = _firstScanDone;
            var known = _facts;
            var pids = new List<int>(EnumeratePids());
            var read = new ProcessEntry?[pids.Count];

            // Each process is a few syscalls (cached) to a few dozen (new) and independent of the others:
            // a pass over many is spread over the cores, a handful stays on this thread.
            if (pids.Count >= ParallelReadThreshold && _options.MaxReadParallelism > 1)
            {
                Parallel.For(0, pids.Count,
                    new ParallelOptions { MaxDegreeOfParallelism = _options.MaxReadParallelism, CancellationToken = cancellationToken },
                    i => read[i] = ReadOne(pids[i], known, sampleMaps));
            }
            else
            {
                for (var i = 0; i < pids.Count; i++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    read[i] = ReadOne(pids[i], known, sampleMaps);
                }
            }

            var entries = new Dictionary<int, ProcessEntry>(pids.Count);
            var facts = new Dictionary<(int, ulong), ProcessFacts>(pids.Count);
            foreach (var entry in read)
            {
                if (entry is { } e)
                {
                    facts[(e.Facts.Pid, e.Facts.StartTime)] = e.Facts;
                    entries[e.Facts.Pid] = e;
                }
            }

            // Only live processes stay cached: the cache is bounded by the process table.
            _facts = facts;
            _firstScanDone = true;
            Counters.Increment("snapshots");
            return entries;
        }
    }

    /// <summary>
    /// One process of a pass, through one handle on its /proc directory: stat, then the cached facts
    /// when its image is unchanged, else a full read that reuses that stat. Null when gone or malformed (counted).
    /// </summary>
    private ProcessEntry? ReadOne(int pid, Dictionary<(int Pid, ulong StartTime), ProcessFacts> known, bool sampleMaps)
    {
        if (!_reader.TryOpen(pid, out var directory, out _))
        {
            Counters.Increment("processes_vanished");
            return null;
        }

        using (directory)
        {
            var status = _reader.TryReadStat(directory, out var stat);
            if (status != ProcReadStatus.Ok)
            {
                Counters.Increment(status == ProcReadStatus.Malformed ? "parse_errors" : "processes_vanished");
                return null;
            }

            if (known.TryGetValue((pid, stat.StartTime), out var cached) && SameImage(directory, cached, stat))
            {
                return new ProcessEntry(cached, stat.Ppid);
            }

            return _builder.ReadFacts(directory, stat, sampleMaps) is { } fresh ? new ProcessEntry(fresh, stat.Ppid) : null;
        }
    }

    private static bool SameImage(in ProcPidDirectory directory, ProcessFacts known, in ProcStat stat)
    {
        if (!string.Equals(known.Comm, stat.Comm, StringComparison.Ordinal))
        {
            return false;
        }

        if (known.IsKernelThread || stat.State == 'Z')
        {
            return true;
        }

        // No link: the process is exiting (its memory is released before it turns zombie) or already
        // gone. Re-reading it then would replace its image with nothing, and its end event would name
        // no executable; an exec always leaves a readable link (and usually a new comm, checked above).
        var link = Interop.ReadLinkAt(directory.Fd, directory.PathOf("exe"), out _);
        return link is null || string.Equals(link, known.ExeLink, StringComparison.Ordinal);
    }

    /// <summary>
    /// Numeric directories of the proc root, parsed from the name span without allocating a string each.
    /// Threads are not listed at the top level of /proc (only under /proc/[pid]/task), so these are processes.
    /// </summary>
    private FileSystemEnumerable<int> EnumeratePids() => EnumeratePids(_options.ProcRoot);

    internal static FileSystemEnumerable<int> EnumeratePids(string procRoot) =>
        new(procRoot, static (ref FileSystemEntry e) => int.Parse(e.FileName, NumberStyles.None, CultureInfo.InvariantCulture),
            new EnumerationOptions { RecurseSubdirectories = false, IgnoreInaccessible = true, AttributesToSkip = 0 })
        {
            ShouldIncludePredicate = static (ref FileSystemEntry e) =>
                e.IsDirectory && int.TryParse(e.FileName, NumberStyles.None, CultureInfo.InvariantCulture, out _),
        };
}
