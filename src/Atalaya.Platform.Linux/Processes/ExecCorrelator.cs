using System.Diagnostics;
using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;

namespace Atalaya.Platform.Linux.Processes;

/// <summary>Which sensor saw an exec.</summary>
internal enum ExecSource
{
    /// <summary>The netlink process connector, enriched from /proc (hash, ancestry, container...).</summary>
    Connector,

    /// <summary>The kernel audit EXECVE record: exact argv, exe and cwd at syscall time.</summary>
    Audit,
}

/// <summary>
/// Makes one exec one process start event when both the process connector and the audit sensor see
/// it. Each sensor offers its exec event; the first one waits (at most <see cref="ExecCorrelatorOptions.Wait"/>,
/// or <see cref="ExecCorrelatorOptions.ThinWait"/> for a connector view with no image or argv) for the
/// other, and whichever arrives second publishes the union (<see cref="ExecEventMerger"/>).
/// A side that is alone (the other sensor is off, owned by another daemon, or missed this exec) is
/// published unchanged once its wait is over, and without any wait while the other sensor is inactive:
/// with audit off the connector path is exactly what it was.
/// </summary>
/// <remarks>
/// <para>Matching: the same pid, and audit's time (the execve's entry) at most
/// <see cref="ExecCorrelatorOptions.AuditLead"/> before the connector's (the exec's commit) and at most
/// <see cref="ExecCorrelatorOptions.Tolerance"/> after it, oldest first among the waiting and the
/// published alone. A process that execs twice in a row (<c>sh -c 'exec prog'</c>) has two execs on one
/// pid within a millisecond; both sensors report them in order, so first-with-first pairs them right.
/// A reused pid is a different exec time, far outside the window (pid reuse takes a pid-space wrap).</para>
/// <para>A late partner (the other side already published alone) is a completion: published as an
/// update (<c>event.type: change</c>, action <see cref="ActionCompleted"/>) only when it brings what
/// the published event lacked — audit's exact argv differing from /proc's (a rewritten cmdline, or none
/// read), an executable, or /proc's enrichment after an audit-only start — and otherwise dropped and
/// counted. The start already went to the analytics; repeating it would be the duplicate this class
/// exists to prevent, while dropping audit's argv would lose the one fact audit is there for.</para>
/// <para>Events the connector publishes for a pid whose exec is being held (its exit, a rename) are
/// held behind it and published after it, so an end never precedes its start.</para>
/// <para>Bounded: past <see cref="ExecCorrelatorOptions.Capacity"/> waiting execs, the oldest is
/// released alone. Thread-safe: the two sensors call it from their own threads.</para>
/// </remarks>
internal sealed class ExecCorrelator
{
    public const string ActionCompleted = "process-exec-completed";

    /// <summary>Prefix of the correlator's counters among the collector's they are reported with.</summary>
    public const string ReportPrefix = "exec_";

    private readonly ExecCorrelatorOptions _options;
    private readonly long _waitTicks;
    private readonly long _thinWaitTicks;
    private readonly long _rememberTicks;
    private readonly Lock _gate = new();
    private readonly Side[] _sides = [new(), new()];
    private volatile bool _connectorActive;
    private volatile bool _auditActive;
    private volatile CollectorCounters? _reported;

    public ExecCorrelator(ExecCorrelatorOptions? options = null)
    {
        _options = options ?? new ExecCorrelatorOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.Capacity, 1);
        _waitTicks = (long)(_options.Wait.TotalSeconds * Stopwatch.Frequency);
        _thinWaitTicks = (long)(Math.Max(_options.Wait.TotalSeconds, _options.ThinWait.TotalSeconds) * Stopwatch.Frequency);
        _rememberTicks = (long)(_options.Remember.TotalSeconds * Stopwatch.Frequency);
    }

    /// <summary>merged, alone (published after the wait, or at once), completed (late update published), late_dropped, evicted.</summary>
    public CollectorCounters Counters { get; } = new();

    /// <summary>
    /// Also counts into <paramref name="counters"/> (a collector's, so <c>atalaya status</c> shows
    /// them), each name prefixed with <see cref="ReportPrefix"/>. The correlator is not a collector
    /// of its own: the supervisor reports only collectors' counters.
    /// </summary>
    public void ReportTo(CollectorCounters? counters) => _reported = counters;

    /// <summary>Execs waiting for their partner now (tests).</summary>
    public int Waiting
    {
        get
        {
            lock (_gate)
            {
                return _sides[0].Count + _sides[1].Count;
            }
        }
    }

    /// <summary>Whether a sensor is running and so worth waiting for. Set by each sensor for itself.</summary>
    public void SetActive(ExecSource source, bool active)
    {
        if (source == ExecSource.Connector)
        {
            _connectorActive = active;
        }
        else
        {
            _auditActive = active;
        }
    }

    public bool IsActive(ExecSource source) => source == ExecSource.Connector ? _connectorActive : _auditActive;

    /// <summary>
    /// An exec seen by <paramref name="source"/>: what to publish now is added to <paramref name="publish"/>
    /// (the merge, the event itself when the other sensor is inactive, a completion, or nothing while it waits).
    /// </summary>
    public void Offer(ExecSource source, EcsEvent value, long now, List<EcsEvent> publish)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(publish);
        var pid = value.Process?.Pid ?? 0;
        var other = Other(source);
        lock (_gate)
        {
            var side = _sides[(int)source];
            var otherSide = _sides[(int)other];
            otherSide.ForgetPublished(now - _rememberTicks);
            var window = new Window(source, value.Timestamp, _options.Tolerance, _options.AuditLead);
            var waiting = otherSide.FindWaiting(pid, window);
            var published = otherSide.FindPublished(pid, window);

            // First with first across both: a process that execs twice in a row can have its first
            // exec published alone (the partner was late) while its second still waits; the older
            // one is this exec's partner.
            if (waiting is not null && (published is null || waiting.Value.Timestamp <= published.Value.Timestamp))
            {
                otherSide.ClaimWaiting(waiting);
                Count("merged");
                publish.Add(Merge(source, value, waiting.Value));
                publish.AddRange(waiting.Followers ?? []);
                return;
            }

            if (published is not null)
            {
                otherSide.ClaimPublished(published);
                if (Completion(source, value, published.Value) is { } completion)
                {
                    Count("completed");
                    publish.Add(completion);
                }
                else
                {
                    Count("late_dropped");
                }

                return;
            }

            if (!IsActive(other) || pid == 0)
            {
                Count("alone");
                publish.Add(value);
                return;
            }

            var thin = source == ExecSource.Connector && (value.Process?.Executable is null || value.Process.Args is not { Count: > 0 });
            side.Add(new Pending(pid, value, now + (thin ? _thinWaitTicks : _waitTicks)), thin);
            while (_sides[0].Count + _sides[1].Count > _options.Capacity)
            {
                // Released alone at the owning sensor's next look.
                var oldest = _sides[0].OldestDeadline <= _sides[1].OldestDeadline ? _sides[0] : _sides[1];
                oldest.EvictOldest();
                Count("evicted");
            }
        }
    }

    /// <summary>
    /// Holds <paramref name="value"/> (an exit, a rename...) behind a waiting exec of the same pid from
    /// <paramref name="source"/>. false when none waits: publish it now.
    /// </summary>
    public bool TryHoldBehind(ExecSource source, int pid, EcsEvent value)
    {
        lock (_gate)
        {
            return _sides[(int)source].TryAttach(pid, value);
        }
    }

    /// <summary>
    /// The execs of <paramref name="source"/> whose wait is over (or whose partner became inactive, or
    /// that were evicted), each followed by what was held behind it, in arrival order.
    /// </summary>
    public void TakeExpired(ExecSource source, long now, List<EcsEvent> publish)
    {
        ArgumentNullException.ThrowIfNull(publish);
        lock (_gate)
        {
            Release(_sides[(int)source], now, IsActive(Other(source)) ? now : long.MaxValue, publish);
        }
    }

    /// <summary>Everything of <paramref name="source"/> still waiting (the sensor is stopping).</summary>
    public void Drain(ExecSource source, long now, List<EcsEvent> publish)
    {
        ArgumentNullException.ThrowIfNull(publish);
        lock (_gate)
        {
            Release(_sides[(int)source], now, long.MaxValue, publish);
        }
    }

    private void Release(Side side, long now, long due, List<EcsEvent> publish)
    {
        side.ForgetPublished(now - _rememberTicks);
        foreach (var pending in side.TakeDue(due))
        {
            Count("alone");
            publish.Add(pending.Value);
            publish.AddRange(pending.Followers ?? []);
            side.RememberPublished(pending, now, _options.Capacity);
        }
    }

    private void Count(string name)
    {
        Counters.Increment(name);
        _reported?.Increment(ReportPrefix + name);
    }

    private static ExecSource Other(ExecSource source) => source == ExecSource.Connector ? ExecSource.Audit : ExecSource.Connector;

    private static EcsEvent Merge(ExecSource arriving, EcsEvent value, EcsEvent partner) => arriving == ExecSource.Connector
        ? ExecEventMerger.Merge(value, partner)
        : ExecEventMerger.Merge(partner, value);

    private static EcsEvent? Completion(ExecSource arriving, EcsEvent value, EcsEvent published)
    {
        var (connector, audit) = arriving == ExecSource.Connector ? (value, published) : (published, value);
        if (arriving == ExecSource.Audit && !ExecEventMerger.AuditAddsTo(connector, audit))
        {
            return null;
        }

        var merged = ExecEventMerger.Merge(connector, audit);
        return merged with { Event = merged.Event with { Type = [EventTypes.Change], Action = ActionCompleted } };
    }

    /// <summary>
    /// Which times of the other sensor can be the same exec as <c>at</c> of <c>arriving</c>. Audit
    /// stamps the execve at syscall entry (a coarse clock, up to a jiffy behind), the connector at the
    /// exec's commit, after the image is loaded: audit's time is the earlier by the exec's duration —
    /// under a millisecond idle, past 100 ms measured at load 20 on two cores. So audit may lead by up
    /// to <c>lead</c> and trail by no more than <c>tolerance</c> (clock reading differences).
    /// </summary>
    private readonly struct Window(ExecSource arriving, DateTimeOffset at, TimeSpan tolerance, TimeSpan lead)
    {
        public bool Contains(DateTimeOffset other)
        {
            var auditLead = arriving == ExecSource.Connector ? at - other : other - at;
            return auditLead >= -tolerance && auditLead <= lead;
        }
    }

    private sealed class Pending(int pid, EcsEvent value, long deadline)
    {
        public int Pid { get; } = pid;

        public EcsEvent Value { get; } = value;

        public long Deadline { get; set; } = deadline;

        public bool Done { get; set; }

        public List<EcsEvent>? Followers { get; set; }
    }

    /// <summary>One sensor's waiting execs (by pid, and in deadline order) and its recently published lone ones.</summary>
    private sealed class Side
    {
        private readonly Dictionary<int, List<Pending>> _waiting = [];
        // Two queues, each in deadline order: the ordinary wait and the longer one of thin events.
        private readonly Queue<Pending>[] _orders = [new(), new()];
        private readonly Dictionary<int, List<Pending>> _published = [];
        private readonly Queue<Pending> _publishedOrder = new();
        private readonly List<Pending> _due = [];
        private readonly List<Pending> _evicted = [];

        public int Count { get; private set; }

        public long OldestDeadline
        {
            get
            {
                SkipDone();
                return Math.Min(_orders[0].TryPeek(out var a) ? a.Deadline : long.MaxValue, _orders[1].TryPeek(out var b) ? b.Deadline : long.MaxValue);
            }
        }

        public void Add(Pending pending, bool thin)
        {
            if (!_waiting.TryGetValue(pending.Pid, out var list))
            {
                _waiting[pending.Pid] = list = [];
            }

            list.Add(pending);
            _orders[thin ? 1 : 0].Enqueue(pending);
            Count++;
        }

        public Pending? FindWaiting(int pid, Window window) => Find(_waiting, pid, window);

        public Pending? FindPublished(int pid, Window window) => Find(_published, pid, window);

        public void ClaimWaiting(Pending pending)
        {
            Remove(_waiting, pending);
            pending.Done = true;
            Count--;
        }

        public void ClaimPublished(Pending pending)
        {
            Remove(_published, pending);
            pending.Done = true;
        }

        public bool TryAttach(int pid, EcsEvent value)
        {
            if (!_waiting.TryGetValue(pid, out var list) || list.Count == 0)
            {
                return false;
            }

            // Behind the latest exec of the pid: a rename after a second exec belongs after that one.
            (list[^1].Followers ??= []).Add(value);
            return true;
        }

        /// <summary>Waiting execs due at <paramref name="now"/>, oldest first (the list is reused).</summary>
        public List<Pending> TakeDue(long now)
        {
            _due.Clear();
            _due.AddRange(_evicted);
            _evicted.Clear();
            SkipDone();
            foreach (var order in _orders)
            {
                while (order.TryPeek(out var first) && first.Deadline <= now)
                {
                    order.Dequeue();
                    Remove(_waiting, first);
                    first.Done = true;
                    Count--;
                    _due.Add(first);
                    SkipDone();
                }
            }

            return _due;
        }

        public void EvictOldest()
        {
            SkipDone();
            var order = !_orders[0].TryPeek(out var a) ? _orders[1]
                : !_orders[1].TryPeek(out var b) ? _orders[0]
                : a.Deadline <= b.Deadline ? _orders[0] : _orders[1];
            if (order.TryDequeue(out var first))
            {
                Remove(_waiting, first);
                first.Done = true;
                Count--;
                _evicted.Add(first);
            }
        }

        public void RememberPublished(Pending pending, long now, int capacity)
        {
            pending.Deadline = now;
            pending.Done = false;
            pending.Followers = null;
            if (!_published.TryGetValue(pending.Pid, out var list))
            {
                _published[pending.Pid] = list = [];
            }

            list.Add(pending);
            _publishedOrder.Enqueue(pending);
            while (_publishedOrder.Count > capacity && _publishedOrder.TryDequeue(out var oldest))
            {
                Remove(_published, oldest);
            }
        }

        public void ForgetPublished(long before)
        {
            while (_publishedOrder.TryPeek(out var first) && (first.Done || first.Deadline < before))
            {
                _publishedOrder.Dequeue();
                Remove(_published, first);
            }
        }

        /// <summary>The oldest exec of <paramref name="pid"/> (arrival order) inside <paramref name="window"/>.</summary>
        private static Pending? Find(Dictionary<int, List<Pending>> byPid, int pid, Window window)
        {
            if (!byPid.TryGetValue(pid, out var list))
            {
                return null;
            }

            foreach (var candidate in list)
            {
                if (window.Contains(candidate.Value.Timestamp))
                {
                    return candidate;
                }
            }

            return null;
        }

        private void SkipDone()
        {
            foreach (var order in _orders)
            {
                while (order.TryPeek(out var first) && first.Done)
                {
                    order.Dequeue();
                }
            }
        }

        private static void Remove(Dictionary<int, List<Pending>> byPid, Pending pending)
        {
            if (byPid.TryGetValue(pending.Pid, out var list) && list.Remove(pending) && list.Count == 0)
            {
                byPid.Remove(pending.Pid);
            }
        }
    }
}

/// <summary>Settings of <see cref="ExecCorrelator"/>.</summary>
internal sealed record ExecCorrelatorOptions
{
    /// <summary>
    /// How long the first sensor's exec waits for the other's. Audit's records trail the connector's
    /// message by a fraction of a millisecond on an idle host (kauditd delivers them after the
    /// syscall returns); the bound keeps a missed partner from delaying the stream.
    /// </summary>
    public TimeSpan Wait { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The wait of a thin connector exec — the process was gone before /proc gave its image or argv
    /// (the 1 ms processes): without audit's view it says almost nothing, so it waits longer for it.
    /// On a loaded host kauditd delivers records 100 ms late or more (measured at load 40).
    /// </summary>
    public TimeSpan ThinWait { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How far audit's time of an exec can be after the connector's: audit's timestamp is the coarse
    /// wall clock (a jiffy, up to 10 ms, so normally earlier), the connector's a monotonic nanosecond
    /// converted to wall time; the margin covers reading the two clocks apart.
    /// </summary>
    public TimeSpan Tolerance { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How far audit's time of an exec can be before the connector's: audit stamps the syscall's
    /// entry, the connector the exec's commit, and on a loaded host the execve between them took
    /// 106 ms (load 20, two cores), which a symmetric 100 ms tolerance published as two starts.
    /// A reused pid cannot come this close: it takes a pid-space wrap (32,768 pids here).
    /// </summary>
    public TimeSpan AuditLead { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a lone published exec is remembered for a late partner's completion.</summary>
    public TimeSpan Remember { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Execs waiting at most (and lone published execs remembered at most, per sensor).</summary>
    public int Capacity { get; init; } = 8192;
}
