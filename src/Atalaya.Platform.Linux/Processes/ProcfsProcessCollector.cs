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
public sealed class ProcfsProcessCollector : IEventCollector, ISnapshotSource
{
    public const string ActionRunning = "process-running";
    public const string ActionStarted = "process-started";
    public const string ActionEnded = "process-ended";
    public const string ActionExec = "process-exec";

    private readonly ProcfsProcessCollectorOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly LinuxHostInfo _host;
    private readonly ExecutableHashCache _hashes;
    private readonly UserNameResolver _users;
    private readonly ProcessReader _reader;
    private readonly Lock _gate = new();
    private Dictionary<(int Pid, ulong StartTime), ProcessFacts> _facts = [];

    public ProcfsProcessCollector(ProcfsProcessCollectorOptions options, TimeProvider timeProvider, LinuxHostInfo host,
        ExecutableHashCache hashes, UserNameResolver users)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.Interval, TimeSpan.Zero);
        _options = options;
        _timeProvider = timeProvider;
        _host = host;
        _hashes = hashes;
        _users = users;
        _reader = new ProcessReader(options.ProcRoot);
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
            events.Add(BuildEvent(entry, snapshot, EventKinds.State, EventTypes.Info, ActionRunning, now, end: null));
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
                Publish(output, BuildEvent(entry, previous, EventKinds.State, EventTypes.Info, ActionRunning, now, end: null));
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

    private void PublishDiff(IEventPublisher output, Dictionary<int, ProcessEntry> previous, Dictionary<int, ProcessEntry> current, DateTimeOffset now)
    {
        foreach (var (pid, entry) in previous)
        {
            if (!current.TryGetValue(pid, out var still) || still.Facts.StartTime != entry.Facts.StartTime)
            {
                // Built against the previous snapshot: that is where its parent and ancestry still exist.
                Publish(output, BuildEvent(entry, previous, EventKinds.Event, EventTypes.End, ActionEnded, now, end: now));
            }
        }

        foreach (var (pid, entry) in current)
        {
            if (!previous.TryGetValue(pid, out var before) || before.Facts.StartTime != entry.Facts.StartTime)
            {
                Publish(output, BuildEvent(entry, current, EventKinds.Event, EventTypes.Start, ActionStarted, now, end: null));
            }
            else if (!ReferenceEquals(before.Facts, entry.Facts))
            {
                Publish(output, BuildEvent(entry, current, EventKinds.Event, EventTypes.Start, ActionExec, now, end: null));
            }
        }
    }

    private void Publish(IEventPublisher output, EcsEvent value)
    {
        output.Publish(value);
        Counters.Increment("events_published");
    }

    /// <summary>One pass over /proc: pid → entry, reusing cached facts for processes already known.</summary>
    private Dictionary<int, ProcessEntry> Scan(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var entries = new Dictionary<int, ProcessEntry>();
            var facts = new Dictionary<(int, ulong), ProcessFacts>();
            foreach (var pid in EnumeratePids())
            {
                cancellationToken.ThrowIfCancellationRequested();
                var status = _reader.TryReadStat(pid, out var stat);
                if (status == ProcReadStatus.Malformed)
                {
                    Counters.Increment("parse_errors");
                    continue;
                }

                if (status != ProcReadStatus.Ok)
                {
                    Counters.Increment("processes_vanished");
                    continue;
                }

                var key = (pid, stat.StartTime);
                if (!_facts.TryGetValue(key, out var known) || !SameImage(known, stat))
                {
                    known = ReadFacts(pid);
                    if (known is null)
                    {
                        continue;
                    }

                    // The full read may have raced a pid reuse: key by what it actually read.
                    key = (pid, known.StartTime);
                }

                facts[key] = known;
                entries[pid] = new ProcessEntry(known, stat.Ppid);
            }

            // Only live processes stay cached: the cache is bounded by the process table.
            _facts = facts;
            Counters.Increment("snapshots");
            return entries;
        }
    }

    private bool SameImage(ProcessFacts known, in ProcStat stat)
    {
        if (!string.Equals(known.Comm, stat.Comm, StringComparison.Ordinal))
        {
            return false;
        }

        if (known.IsKernelThread || stat.State == 'Z')
        {
            return true;
        }

        var link = Interop.ReadLink(_reader.PathOf(known.Pid, "exe"), out _);
        return string.Equals(link, known.ExeLink, StringComparison.Ordinal);
    }

    private ProcessFacts? ReadFacts(int pid)
    {
        Counters.Increment("full_reads");
        if (!_reader.TryRead(pid, out var record, out var statStatus) || record is null)
        {
            Counters.Increment(statStatus == ProcReadStatus.Malformed ? "parse_errors" : "processes_vanished");
            return null;
        }

        var stat = record.Stat;
        var partial = record.Partial;
        string? sha256 = null;
        string? exeLink = null;
        if (record.Executable is not null)
        {
            exeLink = record.ExecutableDeleted ? record.Executable + " (deleted)" : record.Executable;
            partial |= !_hashes.TryGetForProcess(pid, _reader.ProcRoot, out sha256);
        }

        uint? uid = record.Status?.Uid.Real;
        return new ProcessFacts
        {
            Pid = pid,
            StartTime = stat.StartTime,
            EntityId = EntityIds.ForProcess(_host.BootId, pid, stat.StartTime),
            Comm = stat.Comm,
            ExeLink = exeLink,
            Executable = record.Executable,
            ExecutableDeleted = record.ExecutableDeleted,
            Args = record.Args,
            CommandLine = record.Args.Count == 0 ? null : CommandLine.Join(record.Args),
            WorkingDirectory = record.WorkingDirectory,
            Uid = uid,
            UserName = uid is { } u ? _users.Resolve(u) : null,
            Sha256 = sha256,
            Start = _host.StartTimeOf(stat.StartTime),
            IsKernelThread = stat.IsKernelThread,
            Partial = partial,
        };
    }

    private EcsEvent BuildEvent(ProcessEntry entry, Dictionary<int, ProcessEntry> snapshot, string kind, string type,
        string action, DateTimeOffset now, DateTimeOffset? end)
    {
        var facts = entry.Facts;
        ProcessFields? parent = null;
        if (entry.Ppid > 0 && snapshot.TryGetValue(entry.Ppid, out var parentEntry))
        {
            var p = parentEntry.Facts;
            parent = new ProcessFields
            {
                Pid = p.Pid,
                EntityId = p.EntityId,
                Name = p.Comm,
                Executable = p.Executable,
                CommandLine = p.CommandLine,
            };
        }
        else if (entry.Ppid > 0)
        {
            parent = new ProcessFields { Pid = entry.Ppid };
        }

        return new EcsEvent
        {
            Timestamp = now,
            Event = new EventFields
            {
                Kind = kind,
                Category = [EventCategories.Process],
                Type = [type],
                Action = action,
                Dataset = Datasets.Process,
                Module = "atalaya",
            },
            Host = _host.Host,
            Process = new ProcessFields
            {
                Pid = facts.Pid,
                EntityId = facts.EntityId,
                Name = facts.Comm,
                Executable = facts.Executable,
                CommandLine = facts.CommandLine,
                Args = facts.Args,
                ArgsCount = facts.Args.Count,
                WorkingDirectory = facts.WorkingDirectory,
                Start = facts.Start,
                End = end,
                User = facts.Uid is { } uid
                    ? new UserFields { Id = uid.ToString(CultureInfo.InvariantCulture), Name = facts.UserName }
                    : null,
                Hash = facts.Sha256 is null ? null : new HashFields { Sha256 = facts.Sha256 },
                Parent = parent,
            },
            Atalaya = new AtalayaFields
            {
                Partial = facts.Partial ? true : null,
                Process = new AtalayaProcessFields
                {
                    Ancestry = BuildAncestry(entry, snapshot),
                    ExecutableDeleted = facts.IsKernelThread ? null : facts.ExecutableDeleted,
                },
            },
        };
    }

    /// <summary>
    /// Parent chain up to pid 1 (or the first pid not in the snapshot). Bounded and cycle-safe: pids are
    /// read at different moments, so a reused pid can make the chain loop in a snapshot.
    /// </summary>
    private List<AncestorFields> BuildAncestry(ProcessEntry entry, Dictionary<int, ProcessEntry> snapshot)
    {
        var ancestry = new List<AncestorFields>();
        var seen = new HashSet<int> { entry.Facts.Pid };
        var ppid = entry.Ppid;
        while (ppid > 0 && ancestry.Count < _options.MaxAncestry && seen.Add(ppid) && snapshot.TryGetValue(ppid, out var ancestor))
        {
            ancestry.Add(new AncestorFields { Pid = ppid, Executable = ancestor.Facts.Executable });
            ppid = ancestor.Ppid;
        }

        return ancestry;
    }

    /// <summary>
    /// Numeric directories of the proc root, parsed from the name span without allocating a string each.
    /// Threads are not listed at the top level of /proc (only under /proc/[pid]/task), so these are processes.
    /// </summary>
    private FileSystemEnumerable<int> EnumeratePids() =>
        new(_options.ProcRoot, static (ref FileSystemEntry e) => int.Parse(e.FileName, NumberStyles.None, CultureInfo.InvariantCulture),
            new EnumerationOptions { RecurseSubdirectories = false, IgnoreInaccessible = true, AttributesToSkip = 0 })
        {
            ShouldIncludePredicate = static (ref FileSystemEntry e) =>
                e.IsDirectory && int.TryParse(e.FileName, NumberStyles.None, CultureInfo.InvariantCulture, out _),
        };
}
