using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Host;
using Atalaya.Platform.Linux.Network;
using Atalaya.Platform.Linux.Processes;

namespace Atalaya.Platform.Linux.Audit;

/// <summary>
/// The kernel-audit sensor: syscall records for exec (exact argv), connect/accept/bind, ptrace, module
/// loads, identity changes and writes to sensitive paths, as Core events. It becomes the audit daemon
/// only when nobody else is; otherwise it reports itself unavailable in <see cref="Sensor"/> (and the
/// <c>available</c> counter) and looks again every <see cref="AuditCollectorOptions.RetryInterval"/>.
/// </summary>
/// <remarks>
/// Only tasks that have an audit context are audited, and the kernel gives one to tasks created after
/// audit was first enabled since boot: on a host where audit was never on, processes already running
/// when the agent starts (a long-lived shell, a server) are invisible to audit, their children are not.
/// </remarks>
public sealed class AuditCollector : IEventCollector, IDisposable
{
    private const int ReceiveBufferSize = 64 * 1024;
    private readonly AuditCollectorOptions _options;
    private readonly TimeProvider _time;
    private readonly LinuxHostInfo? _host;
    private readonly UserNameResolver? _users;
    private readonly ProcessReader _reader;
    private readonly List<EcsEvent> _released = [];
    private volatile string _sensor = "kernel-audit";
    private AuditSession? _session;
    private uint _lostAtStart;
    private long _published;
    private ExecCorrelator? _execCorrelator;

    public AuditCollector(AuditCollectorOptions options, TimeProvider time, LinuxHostInfo? host, UserNameResolver? users)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _time = time;
        _host = host;
        _users = users;
        _reader = new ProcessReader(options.ProcRoot);
    }

    public string Name => "syscall";

    public string Sensor => _sensor;

    public CollectorCounters Counters { get; } = new();

    /// <summary>Why the sensor is not active, or null while it is.</summary>
    public string? UnavailableReason { get; private set; }

    /// <summary>Events published so far (tests and benchmarks wait on it).</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>The rules in force, null while unavailable.</summary>
    public IReadOnlyList<AuditRule>? InstalledRules => _session?.InstalledRules;

    /// <summary>
    /// Where exec events meet the process connector's: one start event per exec, audit's argv in it.
    /// Null: audit's exec events are published as they are (<c>process-exec-audit</c>).
    /// Its counters are shown among this collector's (<c>exec_merged</c>, <c>exec_alone</c>...).
    /// </summary>
    internal ExecCorrelator? ExecCorrelator
    {
        get => _execCorrelator;
        set
        {
            _execCorrelator = value;
            value?.ReportTo(Counters);
        }
    }

    /// <summary>
    /// The network sensor's connect hints: each successful (or in-progress) connect and each accept
    /// names its owner there, so a connection that closes before any inventory saw it keeps one.
    /// </summary>
    internal RecentConnectCache? ConnectHints { get; set; }

    /// <summary>Raised on the reader thread for each assembled event, before mapping (benchmarks, the auditd view).</summary>
    public event Action<AuditEvent>? Assembled;

    public async Task RunAsync(IEventPublisher output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        while (!cancellationToken.IsCancellationRequested)
        {
            var session = AuditSession.TryStart(
                new AuditSessionOptions { Rules = BuildRules(), BacklogLimit = _options.BacklogLimit, RateLimit = _options.RateLimit },
                out var reason);
            if (session is null)
            {
                UnavailableReason = reason;
                _sensor = "kernel-audit: unavailable (" + reason + ")";
                try
                {
                    await Task.Delay(_options.RetryInterval, _time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            try
            {
                Activate(session);
                await Task.Factory.StartNew(() => ReadLoop(session, output, cancellationToken), CancellationToken.None,
                    TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
            }
            finally
            {
                ExecCorrelator?.SetActive(ExecSource.Audit, false);
                if (ConnectHints is { } hints)
                {
                    hints.FeederActive = false;
                }

                Interlocked.Exchange(ref _session, null);
                Counters.Increment(AuditCounterNames.Available, -Counters.Get(AuditCounterNames.Available));
                session.Dispose();
            }
        }
    }

    /// <summary>Gives the audit subsystem back if the collector is dropped without its task being cancelled.</summary>
    public void Dispose() => Interlocked.Exchange(ref _session, null)?.Dispose();

    private void Activate(AuditSession session)
    {
        _session = session;
        _lostAtStart = session.Before.Lost;
        UnavailableReason = null;
        _sensor = "kernel-audit";
        Counters.Increment(AuditCounterNames.Available, 1 - Counters.Get(AuditCounterNames.Available));
        Counters.Increment(AuditCounterNames.RulesInstalled, session.InstalledRules.Count - Counters.Get(AuditCounterNames.RulesInstalled));
        Counters.Increment(AuditCounterNames.RulesRefused, session.Refused.Count - Counters.Get(AuditCounterNames.RulesRefused));
        Counters.Increment(AuditCounterNames.StaleRulesRemoved, session.StaleRulesRemoved);

        if (ConnectHints is { } hints && session.InstalledRules.Any(r => r.Key == AuditKeys.Network))
        {
            hints.FeederActive = true;
        }

        // Only an exec rule makes audit a partner worth waiting for.
        if (session.InstalledRules.Any(r => r.Key == AuditKeys.Exec))
        {
            ExecCorrelator?.SetActive(ExecSource.Audit, true);
        }
    }

    private IReadOnlyList<AuditRule> BuildRules()
    {
        if (_options.ExplicitRules is { } rules)
        {
            return rules;
        }

        var homes = new List<string>();
        if (_options.Rules.HomeSshDirectories && Directory.Exists("/home"))
        {
            try
            {
                homes.AddRange(Directory.EnumerateDirectories("/home").Order(StringComparer.Ordinal));
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return AuditRuleSet.Build(_options.Rules, AuditSyscallTable.ForThisMachine(), Probe, homes);
    }

    private static WatchTarget Probe(string path) =>
        Directory.Exists(path) ? WatchTarget.Directory : File.Exists(path) ? WatchTarget.File : WatchTarget.Missing;

    private void ReadLoop(AuditSession session, IEventPublisher output, CancellationToken cancellationToken)
    {
        var assembler = new AuditEventAssembler(_options.AssemblyTimeout);
        var buffer = new byte[ReceiveBufferSize];
        var completed = new List<AuditEvent>();
        var context = new AuditMapperContext
        {
            Host = _host?.Host,
            ResolveUser = _users is null ? null : _users.Resolve,
            EntityIdOf = _host is null ? null : EntityIdOf,
        };
        var statusEvery = (long)(_options.StatusInterval.TotalSeconds * Stopwatch.Frequency);
        var lastStatus = Stopwatch.GetTimestamp();
        var lastFlush = lastStatus;
        while (!cancellationToken.IsCancellationRequested)
        {
            var now = Stopwatch.GetTimestamp();
            if (session.TryReceive(buffer, out var length, out var errno))
            {
                HandleDatagram(buffer.AsSpan(0, length), assembler, now, completed);
            }
            else if (errno == Interop.ENOBUFS)
            {
                Counters.Increment(AuditCounterNames.SocketOverflows);
            }

            if (now - lastFlush >= Stopwatch.Frequency / 10)
            {
                assembler.FlushExpired(now, completed);
                lastFlush = now;
            }

            PublishCompleted(completed, output, context);
            if (ExecCorrelator is { } correlator)
            {
                correlator.TakeExpired(ExecSource.Audit, now, _released);
                PublishReleased(output);
            }

            if (now - lastStatus >= statusEvery)
            {
                lastStatus = now;
                RefreshKernelCounters(session);
            }
        }

        assembler.FlushAll(completed);
        PublishCompleted(completed, output, context);
        if (ExecCorrelator is { } last)
        {
            last.SetActive(ExecSource.Audit, false);
            last.Drain(ExecSource.Audit, Stopwatch.GetTimestamp(), _released);
            PublishReleased(output);
        }

        RefreshKernelCounters(session);
    }

    private void HandleDatagram(ReadOnlySpan<byte> datagram, AuditEventAssembler assembler, long now, List<AuditEvent> completed)
    {
        if (!NetlinkFrame.TryRead(datagram, out var type, out _, out _, out var payload))
        {
            Counters.Increment(AuditCounterNames.ParseErrors);
            return;
        }

        // Records are 1100-2999; control echoes and the kernel's AUDIT_REPLACE probe are not records.
        if (type < 1100 || type == AuditMessageType.Replace)
        {
            return;
        }

        Counters.Increment(AuditCounterNames.Records);

        // Latin-1 maps each byte to one char: the kernel's text is ASCII, and anything else survives exactly.
        var text = Encoding.Latin1.GetString(payload);
        if (!AuditRecordParser.TryParse(type, text, out var record))
        {
            Counters.Increment(AuditCounterNames.ParseErrors);
            return;
        }

        assembler.Add(record, now, completed);
    }

    private void PublishCompleted(List<AuditEvent> completed, IEventPublisher output, AuditMapperContext context)
    {
        if (completed.Count == 0)
        {
            return;
        }

        foreach (var audit in completed)
        {
            Counters.Increment(AuditCounterNames.EventsAssembled);
            if (!audit.Complete)
            {
                Counters.Increment(AuditCounterNames.IncompleteEvents);
            }

            Assembled?.Invoke(audit);
            IReadOnlyList<EcsEvent> mapped;
            try
            {
                mapped = AuditEventMapper.Map(audit, context);
            }
            catch (FormatException)
            {
                Counters.Increment(AuditCounterNames.ParseErrors);
                continue;
            }

            foreach (var value in mapped)
            {
                var action = value.Event.Action;
                if (action == AuditEventMapper.ActionExec && ExecCorrelator is { } correlator)
                {
                    correlator.Offer(ExecSource.Audit, value, Stopwatch.GetTimestamp(), _released);
                    PublishReleased(output);
                    continue;
                }

                if (action is AuditEventMapper.ActionConnect or AuditEventMapper.ActionAccept)
                {
                    HintConnection(value);
                }

                Publish(output, value);
            }
        }

        completed.Clear();
    }

    private void PublishReleased(IEventPublisher output)
    {
        foreach (var value in _released)
        {
            Publish(output, value);
        }

        _released.Clear();
    }

    private void Publish(IEventPublisher output, EcsEvent value)
    {
        output.Publish(value);
        Interlocked.Increment(ref _published);
        Counters.Increment(AuditCounterNames.EventsPublished);
    }

    /// <summary>
    /// Gives the network sensor the owner of a connect or accept. Audit does not say the socket type:
    /// the hint is filed as TCP, the only transport whose unseen closes are reported (a UDP connect's
    /// hint ages out unused). A refused connect is hinted too: its socket's destruction is reported as
    /// a failed connection, which the outbound-scan analytic counts for its owner.
    /// </summary>
    private void HintConnection(EcsEvent value)
    {
        if (ConnectHints is not { } hints || value.Process is not { Pid: > 0 } process || value.Destination is not { Ip: { } ip, Port: { } port }
            || !IPAddress.TryParse(ip, out var remote))
        {
            return;
        }

        hints.Record(udp: false, remote, port, localPort: null, new OwnerProcess(process.Pid, process.Name, process.Executable), value.Timestamp);
        Counters.Increment(AuditCounterNames.ConnectHints);
    }

    private void RefreshKernelCounters(AuditSession session)
    {
        try
        {
            var status = session.ReadStatus();

            // lost is a u32 since boot; it only grows while we own the subsystem (wraps are ignored).
            var lost = status.Lost >= _lostAtStart ? status.Lost - _lostAtStart : 0;
            Counters.Increment(AuditCounterNames.KernelLost, lost - Counters.Get(AuditCounterNames.KernelLost));
            Counters.Increment(AuditCounterNames.KernelBacklog, status.Backlog - Counters.Get(AuditCounterNames.KernelBacklog));
        }
        catch (AuditException)
        {
            Counters.Increment(AuditCounterNames.ParseErrors);
        }
    }

    /// <summary>
    /// Entity id of the acting process, read from /proc while it still lives (the same id the procfs and
    /// connector sensors give it). Not cached: a pid reused by a fork without exec would inherit a stale
    /// id. A process that already exited (the 1 ms ones) has none and is merged by pid and exec time.
    /// For an exec, a start time after the exec means the pid was reused in between.
    /// </summary>
    private string? EntityIdOf(int pid, DateTimeOffset? execTime)
    {
        if (_host is null || _reader.TryReadStat(pid, out var stat) != ProcReadStatus.Ok)
        {
            return null;
        }

        // starttime is in clock ticks after a boot time known to the second (btime): allow that much skew.
        return execTime is null || _host.StartTimeOf(stat.StartTime) <= execTime.Value.AddMilliseconds(1100)
            ? EntityIds.ForProcess(_host.BootId, pid, stat.StartTime)
            : null;
    }
}
