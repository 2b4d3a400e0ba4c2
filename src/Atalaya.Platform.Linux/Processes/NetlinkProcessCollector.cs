using System.Buffers;
using System.Diagnostics;
using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Hashing;
using Atalaya.Platform.Linux.Host;

namespace Atalaya.Platform.Linux.Processes;

/// <summary>
/// The real-time process sensor: the kernel's netlink process connector reports every fork, exec, exit,
/// credential change, ptrace attach and rename as it happens; each exec is enriched from /proc at once.
/// Falls short only when the kernel drops messages (ENOBUFS), which is counted and followed by a /proc
/// resync, and when a process exits before /proc can be read, which is published partial.
/// With the kernel program (<see cref="NetlinkProcessCollectorOptions.PreferKernelProgram"/>, sensor
/// <see cref="KernelSensorName"/>), fork, exec and exit come from eBPF tracepoints instead, each exec with
/// its argv, credentials and the rest read in the kernel before the process runs; /proc then adds only
/// the executable's path and hash, cwd and environment, and a process gone by then keeps the rest.
/// </summary>
/// <remarks>
/// Only works as root from the initial pid namespace (the connector reports host pids; bind needs
/// CAP_NET_ADMIN): <see cref="Probe"/> says whether it does here, and the platform falls back to
/// <see cref="ProcfsProcessCollector"/> otherwise. All state is owned by one dedicated thread (not the
/// thread pool: a blocking recv would starve it), so the table needs no lock.
/// </remarks>
public sealed class NetlinkProcessCollector : IProcessSensor, IDisposable
{
    public const string SensorName = "netlink-proc-connector";

    /// <summary>The sensor's name when the kernel program reports fork, exec and exit (the connector the rest).</summary>
    public const string KernelSensorName = "ebpf-tracepoints";
    public const string ActionForked = "process-started";
    public const string ActionCredentials = "process-credentials-changed";
    public const string ActionRenamed = "process-renamed";
    public const string ActionPtrace = "process-ptrace-attached";
    public const string ActionInspected = "process-inspected";

    private const int NetlinkConnectorProtocol = 11;
    private const int DatagramBufferBytes = 64 * 1024;

    private const int EndedKept = 4096;

    private static readonly TimeSpan EndedKeptFor = TimeSpan.FromSeconds(5);

    /// <summary>
    /// With the kernel program: the reader wakes on the connector's exec messages only, so forks and exits
    /// alone (a subshell, a process ending) are collected at least this often.
    /// </summary>
    private const int KernelPollMilliseconds = 100;

    /// <summary>A 4 MiB queue of ~100-byte messages drains in well under this.</summary>
    private static readonly TimeSpan ResyncEchoWindow = TimeSpan.FromSeconds(2);

    private readonly NetlinkProcessCollectorOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ProcessEventBuilder _builder;
    private readonly ProcfsProcessCollector _scanner;
    private readonly Func<IProcConnectorSocket?> _openSocket;

    /// <summary>
    /// The kernel program, when loaded: it reports fork, exec (with the image and credentials read at the
    /// tracepoint) and exit, and the connector is subscribed only to what it does not report (credential,
    /// session, ptrace and name changes) and to execs, whose messages wake this thread to drain the
    /// program's ring. Null: the connector reports everything.
    /// </summary>
    private readonly BpfProcessProgram? _program;
    private readonly Action<BpfProcessRecord> _collect;
    private readonly List<BpfProcessRecord> _batch = [];
    private readonly HashSet<int> _execLater = [];
    private ulong _programLost;
    private long _programMalformed;
    private long _lastLostCheck;
    private readonly PriorityQueue<Deferred, long> _deferred = new();
    private readonly HashSet<int> _unpublished = [];

    /// <summary>
    /// Processes that exited moments ago, kept as parents: a double fork (the daemonizing dropper, its
    /// intermediate child gone before the grandchild's exec is handled) still shows who started what.
    /// Bounded by <see cref="EndedKept"/> entries and <see cref="EndedKeptFor"/>.
    /// </summary>
    private readonly Dictionary<int, (ProcessEntry Entry, long Until)> _ended = [];
    private readonly LineageView _lineage;

    /// <summary>
    /// Pids the last resync after a loss published as started or exec'd. Messages queued before the loss
    /// are still read after it, and one of them can be the exec the resync already reported: within
    /// <see cref="ResyncEchoWindow"/>, an exec whose image is what the resync read is not a second start.
    /// </summary>
    private readonly HashSet<int> _resynced = [];
    private long _lastResync;
    private readonly List<EcsEvent> _released = [];
    private Dictionary<int, ProcessEntry> _table = [];
    private IEventPublisher _output = NullPublisher.Instance;
    private long _lastDropsCheck;
    private long _forks;
    private long _nextEndedSweep;
    private ulong _lastKernelDrops;

    public NetlinkProcessCollector(NetlinkProcessCollectorOptions options, TimeProvider timeProvider, LinuxHostInfo host,
        ExecutableHashCache hashes, UserNameResolver users, GroupNameResolver? groups = null)
        : this(options, timeProvider, host, hashes, users, groups, null)
    {
    }

    internal NetlinkProcessCollector(NetlinkProcessCollectorOptions options, TimeProvider timeProvider, LinuxHostInfo host,
        ExecutableHashCache hashes, UserNameResolver users, GroupNameResolver? groups, Func<IProcConnectorSocket?>? openSocket)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _timeProvider = timeProvider;
        groups ??= new GroupNameResolver();
        _builder = new ProcessEventBuilder(host, hashes, users, groups, new ProcessReader(options.ProcRoot), options.MaxAncestry, Counters)
        {
            Packages = options.Packages,
        };

        // The polling sensor is reused for one-shot snapshots and for the resync after a loss: one
        // /proc walk and one facts cache, not two.
        _scanner = new ProcfsProcessCollector(
            new ProcfsProcessCollectorOptions { ProcRoot = options.ProcRoot, MaxAncestry = options.MaxAncestry, Packages = options.Packages },
            timeProvider, host, hashes, users, groups);
        _openSocket = openSocket ?? OpenRealSocket;
        _lineage = new LineageView(this);
        _collect = _batch.Add;
        if (options.PreferKernelProgram)
        {
            // Attached from here on: what happens before RunAsync waits in the ring, and the first /proc
            // walk covers it as it covers the connector's queue.
            _program = BpfProcessProgram.TryLoad(out var reason);
            KernelProgramUnavailableReason = reason;
        }
    }

    /// <summary>Why the kernel program is not in use although preferred (null when it is, or when not preferred).</summary>
    public string? KernelProgramUnavailableReason { get; }

    public string Name => "process";

    public string Sensor => _program is null ? SensorName : KernelSensorName;

    public CollectorCounters Counters { get; } = new();

    /// <summary>Kernel-timestamp-to-publish latency of exec events, for the benchmark; null unless set.</summary>
    internal Action<long>? ExecLatencyObserver { get; set; }

    /// <summary>
    /// Where exec events meet the audit sensor's (one start event per exec). Null: published directly.
    /// While audit is not active the correlator passes them through without delay.
    /// </summary>
    internal ExecCorrelator? ExecCorrelator { get; set; }

    /// <summary>Processes in the table now (tests, benchmarks).</summary>
    internal int TableCount => Volatile.Read(ref _table).Count;

    /// <summary>
    /// Whether the connector can run here: initial pid namespace (NSpid has one entry), socket, bind,
    /// subscription acknowledged. The reason says why not, for <c>atalaya status</c> and the log.
    /// </summary>
    public static bool Probe(NetlinkProcessCollectorOptions options, out string? reason)
    {
        ArgumentNullException.ThrowIfNull(options);
        var reader = new ProcessReader(options.ProcRoot);
        if (reader.TryReadStatus(Environment.ProcessId, out var status) == ProcReadStatus.Ok && status is { NSpid.Count: > 1 })
        {
            reason = "the agent runs in a child pid namespace: the connector reports host pids it cannot resolve";
            return false;
        }

        using var socket = ProcConnectorSocket.TryOpen(options.ReceiveBufferBytes, options.ReceiveTimeout, out reason);
        return socket is not null;
    }

    public IReadOnlyList<EcsEvent> TakeSnapshot(CancellationToken cancellationToken) => _scanner.TakeSnapshot(cancellationToken);

    public Task RunAsync(IEventPublisher output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                Run(output, cancellationToken);
                completion.TrySetResult();
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                completion.TrySetResult();
            }
            catch (Exception e)
            {
                // Surfaced to the supervisor, which restarts the sensor with backoff.
                completion.TrySetException(e);
            }
        })
        {
            IsBackground = true,
            Name = "atalaya-proc-connector",
        };
        thread.Start();
        return completion.Task;
    }

    private void Run(IEventPublisher output, CancellationToken cancellationToken)
    {
        _output = output;

        // A short-lived process is gone about a millisecond after its exec: on a busy host the reader
        // must be scheduled ahead of the load it watches, or /proc is read too late. Only this thread.
        if (_options.ReaderNice != 0 && Interop.SetCurrentThreadNice(_options.ReaderNice) != 0)
        {
            Counters.Increment("reader_priority_refused");
        }

        // Subscribe before the first /proc walk: a process started during the walk is then either in
        // the walk or in the event stream (possibly both, which the handlers tolerate), never in neither.
        using var socket = _openSocket() ?? throw new IOException("the netlink process connector could not be opened");
        Resync(initial: true, cancellationToken);
        ExecCorrelator?.SetActive(ExecSource.Connector, true);

        var buffer = ArrayPool<byte>.Shared.Rent(DatagramBufferBytes);
        _programLost = _program?.ReadLost() ?? 0;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                if (_program is not null)
                {
                    // The connector's exec message is the doorbell (the program never wakes this thread):
                    // the ring is drained first, so its fork and exec records come before any credential or
                    // ptrace message about the same process. Forks and exits alone wait for the timeout.
                    var ready = Interop.PollReadable(socket.Descriptor, KernelPollMilliseconds);
                    if (ready < 0 && -ready != Interop.EINTR)
                    {
                        throw new IOException($"poll on the netlink process connector failed: errno {-ready}");
                    }

                    _program.Consume(_collect);
                    HandleBatch();
                    if (ready > 0)
                    {
                        OnReceived(socket.Receive(buffer), buffer, cancellationToken);
                    }

                    CheckProgramLost(_program, cancellationToken);
                }
                else
                {
                    OnReceived(socket.Receive(buffer), buffer, cancellationToken);
                }

                RunDeferred(socket);
            }
        }
        finally
        {
            if (ExecCorrelator is { } correlator)
            {
                correlator.SetActive(ExecSource.Connector, false);
                correlator.Drain(ExecSource.Connector, Stopwatch.GetTimestamp(), _released);
                PublishReleased();
            }

            ArrayPool<byte>.Shared.Return(buffer);
            _output = NullPublisher.Instance;
        }
    }

    private void OnReceived(int received, byte[] buffer, CancellationToken cancellationToken)
    {
        if (received >= 0)
        {
            HandleDatagram(buffer.AsSpan(0, received));
            return;
        }

        var errno = -received;
        if (errno == Interop.ENOBUFS)
        {
            // One ENOBUFS per overflow episode, however many messages were lost: the table is
            // rebuilt from /proc so starts and ends in the gap are published, late.
            Counters.Increment("lost");
            Resync(initial: false, cancellationToken);
        }
        else if (errno is not (Interop.EAGAIN or Interop.EINTR))
        {
            throw new IOException($"recv on the netlink process connector failed: errno {errno}");
        }
    }

    /// <summary>Records the ring had no room for: counted as lost, and the table rebuilt from /proc.</summary>
    private void CheckProgramLost(BpfProcessProgram program, CancellationToken cancellationToken)
    {
        var now = Stopwatch.GetTimestamp();
        if (Stopwatch.GetElapsedTime(_lastLostCheck, now).TotalMilliseconds < KernelPollMilliseconds)
        {
            return;
        }

        _lastLostCheck = now;
        var lost = program.ReadLost();
        if (program.Malformed > _programMalformed)
        {
            Counters.Increment("malformed_records", program.Malformed - _programMalformed);
            _programMalformed = program.Malformed;
        }

        if (lost > _programLost)
        {
            Counters.Increment("lost", (long)(lost - _programLost));
            _programLost = lost;
            Resync(initial: false, cancellationToken);
        }
    }

    /// <summary>
    /// The records one drain of the ring gave, in order. An exec followed in the same batch by another
    /// exec of the same process (bash -c 'exec ...') is superseded: what /proc shows now is the later
    /// image, so none of it is read for the earlier one.
    /// </summary>
    private void HandleBatch()
    {
        if (_batch.Count == 0)
        {
            return;
        }

        Span<bool> superseded = _batch.Count <= 256 ? stackalloc bool[_batch.Count] : new bool[_batch.Count];
        _execLater.Clear();
        for (var i = _batch.Count - 1; i >= 0; i--)
        {
            if (_batch[i].Kind == BpfRecordKind.Exec)
            {
                superseded[i] = !_execLater.Add(_batch[i].Pid);
            }
        }

        for (var i = 0; i < _batch.Count; i++)
        {
            OnRecord(_batch[i], superseded[i]);
        }

        _batch.Clear();
    }

    /// <summary>A record of the kernel program, handled as the connector's event of the same kind.</summary>
    private void OnRecord(BpfProcessRecord record, bool superseded)
    {
        Counters.Increment("events");
        var value = new ProcConnectorEvent
        {
            Kind = record.Kind switch
            {
                BpfRecordKind.Fork => ProcEventKind.Fork,
                BpfRecordKind.Exec => ProcEventKind.Exec,
                _ => ProcEventKind.Exit,
            },
            TimestampNs = record.TimestampNs,
            Pid = record.Pid,
            Tgid = record.Pid,
            ParentPid = record.Ppid,
            ParentTgid = record.Ppid,
            ExitCode = record.ExitCode,
        };
        switch (record.Kind)
        {
            case BpfRecordKind.Fork:
                OnFork(value, _builder.TicksOfBoottime(record.StartBoottimeNs));
                break;
            case BpfRecordKind.Exec:
                OnExec(value, record.Exec, _builder.TicksOfBoottime(record.StartBoottimeNs), superseded);
                break;
            default:
                OnExit(value);
                break;
        }
    }

    /// <summary>Every netlink message of one datagram; malformed ones are counted and skipped.</summary>
    internal void HandleDatagram(ReadOnlySpan<byte> datagram)
    {
        var any = false;
        while (ProcConnectorParser.TryReadNetlinkMessage(datagram, out var type, out var payload, out var rest))
        {
            any = true;
            datagram = rest;
            if (ProcConnectorParser.IsControlMessage(type))
            {
                Counters.Increment("control_messages");
                continue;
            }

            if (!ProcConnectorParser.TryParse(payload, out var value))
            {
                Counters.Increment("malformed_messages");
                continue;
            }

            Handle(value);
        }

        if (!any || !datagram.IsEmpty)
        {
            Counters.Increment("malformed_messages");
        }
    }

    internal void Handle(in ProcConnectorEvent value)
    {
        Counters.Increment("events");
        if (value.Kind is not (ProcEventKind.Ptrace or ProcEventKind.None) && value.IsThread)
        {
            // Thread creation and thread exit: the process table is about thread groups.
            Counters.Increment("thread_events_ignored");
            return;
        }

        if (_program is not null && value.Kind is ProcEventKind.Fork or ProcEventKind.Exec or ProcEventKind.Exit)
        {
            // The kernel program reports these: an exec message only rang the doorbell; forks and
            // exits come only from a kernel without the connector's filter (before 6.6).
            if (value.Kind != ProcEventKind.Exec)
            {
                Counters.Increment("connector_events_superseded");
            }

            return;
        }

        switch (value.Kind)
        {
            case ProcEventKind.Fork:
                OnFork(value, exactStart: null);
                break;
            case ProcEventKind.Exec:
                OnExec(value, kernel: null, kernelStart: 0, superseded: false);
                break;
            case ProcEventKind.Exit:
                OnExit(value);
                break;
            case ProcEventKind.Uid:
            case ProcEventKind.Gid:
                OnCredentials(value);
                break;
            case ProcEventKind.Sid:
                var session = value.Tgid;
                Update(session, f => f with { Session = session });
                break;
            case ProcEventKind.Comm:
                OnComm(value);
                break;
            case ProcEventKind.Ptrace:
                OnPtrace(value);
                break;
            default:
                break;
        }
    }

    /// <param name="exactStart">The start time in clock ticks when the kernel program reported it; null from the connector.</param>
    private void OnFork(in ProcConnectorEvent value, ulong? exactStart)
    {
        var pid = value.Tgid;
        if (_table.TryGetValue(pid, out var existing))
        {
            // Rare (a /proc walk raced this event, or the previous holder's exit was lost): decide by stat.
            var exact = exactStart
                ?? (_builder.Reader.TryReadStat(pid, out var stat) == ProcReadStatus.Ok ? stat.StartTime : EstimateStartTicks(value.TimestampNs));
            if (existing.Facts.StartTime == exact)
            {
                // Already seen by the /proc walk that raced this event.
                return;
            }

            // The exit of the previous holder of this pid was lost: end it before reusing the pid.
            Counters.Increment("stale_replaced");
            PublishEnd(pid, existing);
        }

        ProcessFacts facts;
        var fork = ++_forks;
        if (_table.TryGetValue(value.ParentTgid, out var parent) && parent.Facts.StartTime != 0)
        {
            // A fork runs the parent's image until it execs: the parent's facts are the child's. Its start
            // time is the event's until stat is needed (see StartTimeEstimated): not read here, since the
            // exec that follows almost every fork reads stat anyway.
            var start = exactStart ?? EstimateStartTicks(value.TimestampNs);
            facts = parent.Facts with
            {
                Pid = pid,
                StartTime = start,
                EntityId = exactStart is { } exact ? _builder.EntityIdOf(pid, exact) : string.Empty,
                Start = _builder.Host.StartTimeOf(start),
                ThreadCount = 1,
                FdCount = null,
                Maps = null,
                TracerPid = 0,
                Partial = parent.Facts.Partial,
                StartTimeEstimated = exactStart is null,
            };
        }
        else
        {
            facts = _builder.ReadFacts(pid, sampleMaps: false) ?? _builder.Minimal(pid, exactStart ?? EstimateStartTicks(value.TimestampNs));
        }

        _table[pid] = new ProcessEntry(facts, value.ParentTgid, fork);
        _unpublished.Add(pid);
        Schedule(new Deferred(pid, (ulong)fork, DeferredKind.ForkCheck), _options.ForkPublishDelay);
    }

    /// <summary>
    /// The exact start time, and so the entity id, of a fork recorded from its event: read from stat
    /// when it is first published or named as a parent. Gone already: the event's estimate, partial.
    /// </summary>
    private ProcessEntry Settle(int pid, ProcessEntry entry)
    {
        if (!entry.Facts.StartTimeEstimated)
        {
            return entry;
        }

        var read = _builder.Reader.TryReadStat(pid, out var stat) == ProcReadStatus.Ok;
        var start = read ? stat.StartTime : entry.Facts.StartTime;
        Counters.Increment(read ? "fork_start_read" : "fork_start_estimated");
        var settled = entry with
        {
            Facts = entry.Facts with
            {
                StartTime = start,
                EntityId = _builder.EntityIdOf(pid, start),
                Start = _builder.Host.StartTimeOf(start),
                StartTimeEstimated = false,
                Partial = entry.Facts.Partial || !read,
            },
        };
        if (_table.TryGetValue(pid, out var current) && current.Fork == entry.Fork)
        {
            _table[pid] = settled;
        }

        return settled;
    }

    /// <summary>An event about <paramref name="entry"/>: it and its parent carry settled entity ids.</summary>
    private EcsEvent Build(ProcessEntry entry, string kind, string type, string action, DateTimeOffset now, DateTimeOffset? end)
    {
        entry = Settle(entry.Facts.Pid, entry);
        var ppid = entry.Ppid;
        if (ppid > 0 && _table.TryGetValue(ppid, out var parent))
        {
            Settle(ppid, parent);
        }
        else if (ppid > 0 && _ended.TryGetValue(ppid, out var gone) && gone.Entry.Facts.StartTimeEstimated)
        {
            // Exited before it was ever named: stat is gone (or another process's now), so the event's
            // estimate gives its entity id, marked partial.
            var facts = gone.Entry.Facts;
            _ended[ppid] = (gone.Entry with
            {
                Facts = facts with { EntityId = _builder.EntityIdOf(ppid, facts.StartTime), StartTimeEstimated = false, Partial = true },
            }, gone.Until);
        }

        return _builder.Build(entry, _lineage, kind, type, action, now, end);
    }

    /// <param name="kernel">The image and credentials the kernel program read at the exec; null from the connector (read from /proc here).</param>
    /// <param name="kernelStart">With <paramref name="kernel"/>: the start time in clock ticks.</param>
    /// <param name="superseded">With <paramref name="kernel"/>: a later exec of the same process is already known.</param>
    private void OnExec(in ProcConnectorEvent value, KernelExec? kernel, ulong kernelStart, bool superseded)
    {
        Counters.Increment("execs");
        var pid = value.Tgid;
        var known = _table.TryGetValue(pid, out var before);

        // Only for a process gone before the read below (which reads stat): its fork's start time, else the event's.
        var knownStart = kernel is not null ? kernelStart : known ? before.Facts.StartTime : EstimateStartTicks(value.TimestampNs);
        int ppid;
        ProcessFacts? facts;
        if (kernel is not null)
        {
            facts = _builder.FactsAtKernelExec(pid, kernelStart, kernel, known ? before.Facts : null, superseded);
            ppid = value.ParentTgid;
        }
        else
        {
            facts = _builder.ReadFactsAtExec(pid, knownStart, known ? before.Facts : null, out ppid);
        }

        if (facts is { Executable: null, IsKernelThread: false })
        {
            // A zombie already: its image is gone with its memory.
            facts = facts with { Partial = true };
        }

        if (facts is null)
        {
            // Gone before /proc could be read (a /bin/true in a tight loop): publish what the events gave.
            facts = _builder.Minimal(pid, knownStart, known ? before.Facts : null);
            ppid = known ? before.Ppid : 0;
        }

        if (facts.Partial)
        {
            Counters.Increment("partial");
        }

        if (known && (ppid == 0 || before.Fork != 0))
        {
            // The fork event named the process that created this one; stat's ppid is 1 (or a subreaper)
            // once that parent has exited, which a dropper does at once to hide its children.
            ppid = before.Ppid;
        }

        if (_resynced.Remove(pid) && known && Stopwatch.GetElapsedTime(_lastResync) < ResyncEchoWindow
            && string.Equals(facts.ExeLink, before.Facts.ExeLink, StringComparison.Ordinal) && facts.Args.SequenceEqual(before.Facts.Args))
        {
            // The resync after a loss read this image and published it; this is its exec, queued before the loss.
            Counters.Increment("execs_already_resynced");
            return;
        }

        var entry = new ProcessEntry(facts, ppid, known ? before.Fork : 0);
        _table[pid] = entry;
        _unpublished.Remove(pid);
        var exec = Build(entry, EventKinds.Event, EventTypes.Start, ProcfsProcessCollector.ActionExec, TimeOf(value.TimestampNs), end: null);
        if (ExecCorrelator is { } correlator)
        {
            correlator.Offer(ExecSource.Connector, exec, Stopwatch.GetTimestamp(), _released);
            PublishReleased();
        }
        else
        {
            Publish(exec);
        }

        ExecLatencyObserver?.Invoke(Stopwatch.GetTimestamp() - (long)value.TimestampNs);
        if (!facts.IsKernelThread && facts.Executable is not null)
        {
            Schedule(new Deferred(pid, facts.StartTime, DeferredKind.SampleMaps), _options.MapsSampleDelay);
        }
    }

    private void OnExit(in ProcConnectorEvent value)
    {
        var pid = value.Tgid;
        _resynced.Remove(pid);
        if (!_table.Remove(pid, out var entry))
        {
            Counters.Increment("exits_unknown");
            return;
        }

        KeepAsParent(pid, entry);
        if (_unpublished.Remove(pid))
        {
            // Forked and gone without exec (a subshell): never published, so no end either.
            Counters.Increment("forks_not_published");
            return;
        }

        var now = TimeOf(value.TimestampNs);
        var ended = Build(entry, EventKinds.Event, EventTypes.End, ProcfsProcessCollector.ActionEnded, now, end: now);
        PublishAfterExec(pid, ended);
    }

    private void KeepAsParent(int pid, ProcessEntry entry)
    {
        if (_ended.Count >= EndedKept)
        {
            Counters.Increment("ended_parents_dropped");
            return;
        }

        _ended[pid] = (entry, Stopwatch.GetTimestamp() + (long)(EndedKeptFor.TotalSeconds * Stopwatch.Frequency));
    }

    private void OnCredentials(in ProcConnectorEvent value)
    {
        var isUid = value.Kind == ProcEventKind.Uid;
        var real = value.RealId;
        var effective = value.EffectiveId;
        var changed = Update(value.Tgid, f => isUid
            ? f with { Uid = real, UserName = _builder.UserNameOf(real), EffectiveUid = effective, EffectiveUserName = _builder.UserNameOf(effective) }
            : f with { Gid = real, GroupName = _builder.GroupNameOf(real), EffectiveGid = effective, EffectiveGroupName = _builder.GroupNameOf(effective) });
        if (changed is { } entry && !_unpublished.Contains(value.Tgid))
        {
            PublishAfterExec(value.Tgid, Build(entry, EventKinds.Event, EventTypes.Change, ActionCredentials, TimeOf(value.TimestampNs), end: null));
        }
    }

    private void OnComm(in ProcConnectorEvent value)
    {
        // Sent for prctl(PR_SET_NAME) and writes to /proc/[pid]/comm, not for exec (measured on 6.18):
        // every one is a process renaming itself, which ps then shows.
        var comm = value.Comm ?? string.Empty;
        if (!_table.TryGetValue(value.Tgid, out var entry) || string.Equals(entry.Facts.Comm, comm, StringComparison.Ordinal))
        {
            return;
        }

        var renamed = entry with { Facts = entry.Facts with { Comm = comm } };
        _table[value.Tgid] = renamed;
        if (!_unpublished.Contains(value.Tgid))
        {
            PublishAfterExec(value.Tgid, Build(renamed, EventKinds.Event, EventTypes.Change, ActionRenamed, TimeOf(value.TimestampNs), end: null));
        }
    }

    private void OnPtrace(in ProcConnectorEvent value)
    {
        // Attach targets one thread; the process (tgid) is what is being injected into.
        var pid = value.Tgid;
        var tracer = value.TracerTgid;
        var changed = Update(pid, f => f with { TracerPid = tracer });
        if (tracer == 0 || changed is not { } entry)
        {
            return;
        }

        // Published even for a fork not yet published: an attach is the fact an analyst needs.
        _unpublished.Remove(pid);
        Counters.Increment("ptrace_attaches");
        PublishAfterExec(pid, Build(entry, EventKinds.Event, EventTypes.Change, ActionPtrace, TimeOf(value.TimestampNs), end: null));
    }

    private ProcessEntry? Update(int pid, Func<ProcessFacts, ProcessFacts> change)
    {
        if (!_table.TryGetValue(pid, out var entry))
        {
            Counters.Increment("events_unknown_process");
            return null;
        }

        var updated = entry with { Facts = change(entry.Facts) };
        _table[pid] = updated;
        return updated;
    }

    private void RunDeferred(IProcConnectorSocket socket)
    {
        var now = Stopwatch.GetTimestamp();
        if (_resynced.Count > 0 && Stopwatch.GetElapsedTime(_lastResync, now) >= ResyncEchoWindow)
        {
            _resynced.Clear();
        }

        ForgetEndedParents(now);

        if (ExecCorrelator is { } correlator)
        {
            correlator.TakeExpired(ExecSource.Connector, now, _released);
            PublishReleased();
        }

        while (_deferred.TryPeek(out var item, out var due) && due <= now)
        {
            _deferred.Dequeue();
            if (!_table.TryGetValue(item.Pid, out var entry)
                || (item.Kind == DeferredKind.ForkCheck ? (ulong)entry.Fork : entry.Facts.StartTime) != item.Identity)
            {
                continue;
            }

            if (item.Kind == DeferredKind.ForkCheck)
            {
                if (_unpublished.Remove(item.Pid))
                {
                    Counters.Increment("forks_published");
                    Publish(Build(entry, EventKinds.Event, EventTypes.Start, ActionForked, _timeProvider.GetUtcNow(), end: null));
                }
            }
            else if (_builder.SampleMaps(item.Pid) is { } maps)
            {
                var sampled = entry with { Facts = entry.Facts with { Maps = maps } };
                _table[item.Pid] = sampled;
                if (maps.AnonymousExecutableRegions > 0 || maps.WritablePathLibraries.Count > 0)
                {
                    // Only findings are published: a clean map is the normal case and says nothing new.
                    Counters.Increment("maps_findings");
                    Publish(Build(sampled, EventKinds.Event, EventTypes.Info, ActionInspected, _timeProvider.GetUtcNow(), end: null));
                }
            }
        }

        if (Stopwatch.GetElapsedTime(_lastDropsCheck, now) >= _options.DropsInterval)
        {
            _lastDropsCheck = now;
            ReadKernelDrops(socket.PortId);
        }
    }

    private void ReadKernelDrops(uint portId)
    {
        try
        {
            var text = File.ReadAllText(_options.ProcRoot.TrimEnd('/') + "/net/netlink");
            if (NetlinkDropsParser.TryFindDrops(text, NetlinkConnectorProtocol, portId, out var drops) && drops > _lastKernelDrops)
            {
                Counters.Increment("kernel_drops", (long)(drops - _lastKernelDrops));
                _lastKernelDrops = drops;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Counters.Increment("kernel_drops_unreadable");
        }
    }

    /// <summary>
    /// Rebuilds the table from /proc. Initially every process is published as running (state); after a
    /// loss, the difference with the table is published: ends for what left, starts for what appeared,
    /// execs for a changed image.
    /// </summary>
    private void Resync(bool initial, CancellationToken cancellationToken)
    {
        var current = _scanner.Scan(cancellationToken);
        var now = _timeProvider.GetUtcNow();
        if (initial)
        {
            foreach (var entry in current.Values)
            {
                Publish(_builder.Build(entry, current, EventKinds.State, EventTypes.Info, ProcfsProcessCollector.ActionRunning, now, end: null));
            }
        }
        else
        {
            Counters.Increment("resyncs");
            _resynced.Clear();
            _lastResync = Stopwatch.GetTimestamp();
            foreach (var (pid, entry) in _table)
            {
                if (!current.TryGetValue(pid, out var still) || still.Facts.StartTime != entry.Facts.StartTime)
                {
                    if (!_unpublished.Contains(pid))
                    {
                        Publish(Build(entry, EventKinds.Event, EventTypes.End, ProcfsProcessCollector.ActionEnded, now, end: now));
                    }
                }
            }

            foreach (var (pid, entry) in current)
            {
                if (!_table.TryGetValue(pid, out var before) || before.Facts.StartTime != entry.Facts.StartTime || _unpublished.Contains(pid))
                {
                    Publish(_builder.Build(entry, current, EventKinds.Event, EventTypes.Start, ProcfsProcessCollector.ActionStarted, now, end: null));
                    _resynced.Add(pid);
                }
                else if (!string.Equals(before.Facts.ExeLink, entry.Facts.ExeLink, StringComparison.Ordinal) && before.Facts.ExeLink is not null)
                {
                    Publish(_builder.Build(entry, current, EventKinds.Event, EventTypes.Start, ProcfsProcessCollector.ActionExec, now, end: null));
                    _resynced.Add(pid);
                }
            }
        }

        _unpublished.Clear();
        Volatile.Write(ref _table, current);
    }

    private void PublishEnd(int pid, ProcessEntry entry)
    {
        if (_unpublished.Remove(pid))
        {
            return;
        }

        var now = _timeProvider.GetUtcNow();
        Publish(Build(entry, EventKinds.Event, EventTypes.End, ProcfsProcessCollector.ActionEnded, now, end: now));
    }

    /// <summary>An event about <paramref name="pid"/>, held behind its exec while that waits for audit's view.</summary>
    private void PublishAfterExec(int pid, EcsEvent value)
    {
        if (ExecCorrelator?.TryHoldBehind(ExecSource.Connector, pid, value) != true)
        {
            Publish(value);
        }
    }

    private void PublishReleased()
    {
        foreach (var value in _released)
        {
            Publish(value);
        }

        _released.Clear();
    }

    private void Publish(EcsEvent value)
    {
        _output.Publish(value);
        Counters.Increment("events_published");
    }

    private void Schedule(Deferred item, TimeSpan delay)
    {
        if (_deferred.Count >= _options.MaxDeferred)
        {
            Counters.Increment("deferred_dropped");
            return;
        }

        _deferred.Enqueue(item, Stopwatch.GetTimestamp() + (long)(delay.TotalSeconds * Stopwatch.Frequency));
    }

    /// <summary>
    /// The wall-clock moment of a kernel timestamp: the event's CLOCK_MONOTONIC ns is the clock of
    /// Stopwatch on Linux, so its age is exact; the wall clock is now minus that age.
    /// </summary>
    private DateTimeOffset TimeOf(ulong timestampNs)
    {
        var age = Stopwatch.GetElapsedTime((long)timestampNs);
        return _timeProvider.GetUtcNow() - (age > TimeSpan.Zero ? age : TimeSpan.Zero);
    }

    /// <summary>
    /// Start time in clock ticks when stat could not be read: from the event's monotonic clock. stat's
    /// starttime counts boot time including suspend, so after a suspend this estimate is early; it is
    /// used only for processes already gone (and their events are marked partial).
    /// </summary>
    private ulong EstimateStartTicks(ulong timestampNs) =>
        timestampNs / 1_000_000_000UL * (ulong)_builder.Host.ClockTicksPerSecond
        + (timestampNs % 1_000_000_000UL) * (ulong)_builder.Host.ClockTicksPerSecond / 1_000_000_000UL;

    private IProcConnectorSocket? OpenRealSocket()
    {
        // With the kernel program, the connector carries what the program does not report, and execs as
        // the reader's doorbell.
        var only = _program is null ? (ProcEventKind?)null
            : ProcEventKind.Exec | ProcEventKind.Uid | ProcEventKind.Gid | ProcEventKind.Sid | ProcEventKind.Ptrace | ProcEventKind.Comm;
        var socket = ProcConnectorSocket.TryOpen(_options.ReceiveBufferBytes, _options.ReceiveTimeout, out var reason, only);
        if (socket is null)
        {
            throw new IOException($"the netlink process connector could not be opened: {reason}");
        }

        if (!socket.ReceiveBufferForced)
        {
            Counters.Increment("receive_buffer_not_forced");
        }

        return socket;
    }

    /// <summary>Detaches and unloads the kernel program (the connector socket is closed by each run).</summary>
    public void Dispose() => _program?.Dispose();

    private void ForgetEndedParents(long now)
    {
        if (_ended.Count == 0 || now < _nextEndedSweep)
        {
            return;
        }

        _nextEndedSweep = now + Stopwatch.Frequency;
        foreach (var (pid, (_, until)) in _ended)
        {
            if (until <= now)
            {
                _ended.Remove(pid);
            }
        }
    }

    /// <summary>
    /// The live table, then the processes that ended moments ago: what the event builder walks for the
    /// parent and the ancestry. A live process always wins, so a reused pid names the live holder.
    /// </summary>
    private sealed class LineageView(NetlinkProcessCollector owner) : IReadOnlyDictionary<int, ProcessEntry>
    {
        public int Count => owner._table.Count + owner._ended.Count;

        public IEnumerable<int> Keys => owner._table.Keys.Concat(owner._ended.Keys.Where(k => !owner._table.ContainsKey(k)));

        public IEnumerable<ProcessEntry> Values => Keys.Select(k => this[k]);

        public ProcessEntry this[int key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException();

        public bool ContainsKey(int key) => TryGetValue(key, out _);

        public bool TryGetValue(int key, out ProcessEntry value)
        {
            if (owner._table.TryGetValue(key, out value))
            {
                return true;
            }

            if (owner._ended.TryGetValue(key, out var gone))
            {
                value = gone.Entry;
                return true;
            }

            return false;
        }

        public IEnumerator<KeyValuePair<int, ProcessEntry>> GetEnumerator() => Keys.Select(k => new KeyValuePair<int, ProcessEntry>(k, this[k])).GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    private enum DeferredKind
    {
        ForkCheck,
        SampleMaps,
    }

    /// <param name="Identity">Which process of that pid: the fork's sequence number for a fork check, the start time for a maps sample.</param>
    private readonly record struct Deferred(int Pid, ulong Identity, DeferredKind Kind);

    private sealed class NullPublisher : IEventPublisher
    {
        public static readonly NullPublisher Instance = new();

        public void Publish(EcsEvent value)
        {
        }
    }
}
