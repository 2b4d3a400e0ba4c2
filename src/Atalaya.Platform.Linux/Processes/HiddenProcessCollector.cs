using System.Globalization;
using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Host;

namespace Atalaya.Platform.Linux.Processes;

/// <summary>
/// Looks for processes a rootkit hides from the /proc listing (the unhide technique): a pid whose
/// /proc entry opens, or that answers kill(pid, 0), but that getdents on /proc does not list.
/// </summary>
/// <remarks>
/// Candidates are the parents of listed processes (a hidden process's children give it away) and a
/// rotating slice of the pid range. Threads answer kill() too and are never listed at the top of
/// /proc, so a candidate counts only when its status says it leads its thread group. Processes are
/// born and die during a sweep, so every suspect is confirmed against a second, fresh listing with
/// an unchanged start time before anything is published: on a busy host a false alarm needs a process
/// to be born, skipped by a listing made after its birth, and still alive, which does not happen.
/// </remarks>
public sealed class HiddenProcessCollector : IEventCollector
{
    public const string ActionHidden = "process-hidden";

    private readonly HiddenProcessCollectorOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly LinuxHostInfo _host;
    private readonly ProcessReader _reader;
    private readonly Func<IEnumerable<int>> _listPids;
    private readonly HashSet<(int Pid, ulong StartTime)> _reported = [];
    private int _sweepStart = 1;

    public HiddenProcessCollector(HiddenProcessCollectorOptions options, TimeProvider timeProvider, LinuxHostInfo host)
        : this(options, timeProvider, host, null)
    {
    }

    /// <param name="listPids">The /proc listing; tests replace it to play the rootkit.</param>
    internal HiddenProcessCollector(HiddenProcessCollectorOptions options, TimeProvider timeProvider, LinuxHostInfo host, Func<IEnumerable<int>>? listPids)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _timeProvider = timeProvider;
        _host = host;
        _reader = new ProcessReader(options.ProcRoot);
        _listPids = listPids ?? (() => ProcfsProcessCollector.EnumeratePids(options.ProcRoot));
    }

    public string Name => "hidden-process";

    public string Sensor => "proc-listing-vs-kill";

    public CollectorCounters Counters { get; } = new();

    public async Task RunAsync(IEventPublisher output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        try
        {
            using var timer = new PeriodicTimer(_options.Interval, _timeProvider);
            do
            {
                foreach (var found in Sweep(cancellationToken))
                {
                    output.Publish(found);
                    Counters.Increment("events_published");
                }
            }
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One sweep: the confirmed hidden processes not reported before.</summary>
    internal IReadOnlyList<EcsEvent> Sweep(CancellationToken cancellationToken)
    {
        Counters.Increment("sweeps");
        var listed = _listPids().ToHashSet();
        var candidates = new HashSet<int>();
        foreach (var pid in listed)
        {
            if (_reader.TryReadStat(pid, out var stat) == ProcReadStatus.Ok && stat.Ppid > 0 && !listed.Contains(stat.Ppid))
            {
                candidates.Add(stat.Ppid);
            }
        }

        var pidMax = ReadPidMax();
        var end = Math.Min(pidMax, _sweepStart + _options.SweepSize);
        for (var pid = _sweepStart; pid < end; pid++)
        {
            if (!listed.Contains(pid))
            {
                candidates.Add(pid);
            }
        }

        _sweepStart = end >= pidMax ? 1 : end;

        var suspects = new List<(int Pid, ProcStat Stat)>();
        foreach (var pid in candidates)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Counters.Increment("pids_probed");
            if (IsHiddenLeader(pid, out var stat))
            {
                suspects.Add((pid, stat));
            }
        }

        if (suspects.Count == 0)
        {
            return [];
        }

        // Confirmation against a listing made after the suspects were seen alive.
        var relisted = _listPids().ToHashSet();
        var now = _timeProvider.GetUtcNow();
        var events = new List<EcsEvent>();
        foreach (var (pid, stat) in suspects)
        {
            if (relisted.Contains(pid) || !IsHiddenLeader(pid, out var again) || again.StartTime != stat.StartTime)
            {
                Counters.Increment("suspects_cleared");
                continue;
            }

            if (!_reported.Add((pid, stat.StartTime)))
            {
                continue;
            }

            Counters.Increment("hidden_found");
            events.Add(Build(pid, stat, now));
        }

        // Forget reports for pids now gone so the set stays bounded by what is really hidden.
        _reported.RemoveWhere(r => !Interop.IdExists(r.Pid));
        return events;
    }

    /// <summary>Exists (signal 0 or its /proc entry), leads its thread group, and was not listed.</summary>
    private bool IsHiddenLeader(int pid, out ProcStat stat)
    {
        stat = default;
        var exists = Interop.IdExists(pid);
        var statStatus = _reader.TryReadStat(pid, out stat);
        if (!exists && statStatus != ProcReadStatus.Ok)
        {
            return false;
        }

        if (_reader.TryReadStatus(pid, out var status) == ProcReadStatus.Ok && status is not null && status.Tgid != pid)
        {
            return false;
        }

        // A pid that answers kill() but has neither stat nor status is hidden more thoroughly still.
        return statStatus == ProcReadStatus.Ok || status is null;
    }

    private EcsEvent Build(int pid, ProcStat stat, DateTimeOffset now)
    {
        _ = _reader.TryReadExecutable(pid, out var executable, out _);
        _ = _reader.TryReadCmdline(pid, out var args, out _);
        return new EcsEvent
        {
            Timestamp = now,
            Event = new EventFields
            {
                Kind = EventKinds.Event,
                Category = [EventCategories.Process],
                Type = [EventTypes.Info],
                Action = ActionHidden,
                Dataset = Datasets.Process,
                Module = "atalaya",
            },
            Host = _host.Host,
            Process = new ProcessFields
            {
                Pid = pid,
                EntityId = EntityIds.ForProcess(_host.BootId, pid, stat.StartTime),
                Start = _host.StartTimeOf(stat.StartTime),
                Name = stat.Comm is { Length: > 0 } comm ? comm : null,
                Executable = executable,
                Args = args.Length == 0 ? null : args,
                CommandLine = args.Length == 0 ? null : CommandLine.Join(args),
                Parent = stat.Ppid > 0 ? new ProcessFields { Pid = stat.Ppid } : null,
            },
            Atalaya = new AtalayaFields { Process = new AtalayaProcessFields { Hidden = true } },
        };
    }

    private int ReadPidMax()
    {
        try
        {
            var text = File.ReadAllText(_options.ProcRoot.TrimEnd('/') + "/sys/kernel/pid_max");
            return int.TryParse(text.AsSpan().Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var max) && max > 1 ? max : 32768;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 32768;
        }
    }
}
