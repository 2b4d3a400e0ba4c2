using System.Globalization;
using System.IO.Enumeration;
using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Processes;

namespace Atalaya.Platform.Linux.Resources;

/// <summary>
/// Host and per-process resource samples (sensor <c>procfs-resources</c>) as <c>event.kind: metric</c>.
/// </summary>
/// <remarks>
/// Downsampling: every interval (1 s) the collector publishes one host sample (action
/// <c>resource-sample</c>, interval_seconds 1) and one sample for each of the top-N busiest processes
/// (action <c>process-resource-sample</c>); these feed the analytics (the miner detection needs
/// per-second CPU of each process). Every summary interval (1 min) it also publishes
/// <c>resource-summary</c>: the averages over the minute (CPU shares, memory, load) and the summed
/// disk bytes, with interval_seconds 60. History keeps only the summaries: the store should drop
/// <c>resource-sample</c> and <c>process-resource-sample</c> (see the wiring notes), which keeps a day of
/// history at 1,440 host rows instead of 86,400 plus 432,000 per-process rows.
/// The per-process CPU is the delta of utime+stime between two samples, read from /proc/[pid]/stat
/// (one small read per process per second); a process younger than one interval has no delta yet.
/// </remarks>
public sealed class ResourceCollector : IEventCollector
{
    public const string ActionSample = "resource-sample";
    public const string ActionProcessSample = "process-resource-sample";
    public const string ActionSummary = "resource-summary";
    private const int SectorBytes = 512;

    private readonly ResourceCollectorOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly HostFields? _host;
    private readonly long _ticksPerSecond;
    private readonly ProcessReader _reader;
    private CpuTimes? _lastCpu;
    private (ulong Read, ulong Written)? _lastDisk;
    private long _lastTimestamp;
    private Dictionary<(int Pid, ulong Start), ulong> _lastProcessTicks = [];
    private readonly List<AtalayaMetricsFields> _window = [];
    private DateTimeOffset _windowStart;

    private readonly string? _bootId;

    /// <param name="bootId">When given, per-process samples carry the same process.entity_id as the process collector's events.</param>
    public ResourceCollector(ResourceCollectorOptions options, TimeProvider timeProvider, HostFields? host, string? bootId = null)
    {
        _bootId = bootId;
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.Interval, TimeSpan.Zero);
        _options = options;
        _timeProvider = timeProvider;
        _host = host;
        _ticksPerSecond = Interop.GetClockTicksPerSecond();
        _reader = new ProcessReader(options.ProcRoot);
    }

    public string Name => "resources";

    public string Sensor => "procfs-resources";

    public CollectorCounters Counters { get; } = new();

    public async Task RunAsync(IEventPublisher output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        try
        {
            Sample(output);
            using var timer = new PeriodicTimer(_options.Interval, _timeProvider);
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                Sample(output);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping is not a fault.
        }
    }

    /// <summary>One sample. The first call only primes the counters: rates need two readings.</summary>
    internal void Sample(IEventPublisher output)
    {
        var now = _timeProvider.GetUtcNow();
        var timestamp = _timeProvider.GetTimestamp();
        var elapsed = _lastTimestamp == 0 ? TimeSpan.Zero : _timeProvider.GetElapsedTime(_lastTimestamp, timestamp);
        _lastTimestamp = timestamp;

        var cpu = ReadCpu();
        var disk = ReadDisk();
        var processes = SampleProcesses(elapsed);
        if (_lastCpu is not { } lastCpu || cpu is not { } currentCpu || elapsed <= TimeSpan.Zero)
        {
            _lastCpu = cpu;
            _lastDisk = disk;
            _windowStart = now;
            return;
        }

        var metrics = BuildHostMetrics(lastCpu, currentCpu, disk, elapsed);
        _lastCpu = cpu;
        _lastDisk = disk;
        Publish(output, HostEvent(now, ActionSample, metrics));
        foreach (var process in processes)
        {
            Publish(output, process with { Timestamp = now });
        }

        _window.Add(metrics);
        if (now - _windowStart >= _options.SummaryInterval)
        {
            Publish(output, HostEvent(now, ActionSummary, Summarize(_window, (now - _windowStart).TotalSeconds)));
            _window.Clear();
            _windowStart = now;
        }
    }

    private AtalayaMetricsFields BuildHostMetrics(CpuTimes before, CpuTimes after, (ulong Read, ulong Written)? disk, TimeSpan elapsed)
    {
        var total = after.Total >= before.Total ? (double)(after.Total - before.Total) : 0;

        // proc(5): the iowait counter "is not reliable" and can go backwards (NO_HZ idle accounting); an
        // unsigned difference would then read as a percentage near 1.8e19.
        double Pct(ulong a, ulong b) => total <= 0 || a < b ? 0 : Math.Round(100.0 * (a - b) / total, 2);
        MemInfo? memory = ResourceParsers.TryParseMeminfo(ReadText("/meminfo"), out var m) ? m : null;
        LoadAverage? load = ResourceParsers.TryParseLoadavg(ReadText("/loadavg"), out var l) ? l : null;
        long? read = null, written = null;
        if (disk is { } d && _lastDisk is { } last && d.Read >= last.Read && d.Written >= last.Written)
        {
            read = (long)(d.Read - last.Read) * SectorBytes;
            written = (long)(d.Written - last.Written) * SectorBytes;
        }

        return new AtalayaMetricsFields
        {
            CpuUserPct = Pct(after.User + after.Nice, before.User + before.Nice),
            CpuSystemPct = Pct(after.System + after.Irq + after.Softirq, before.System + before.Irq + before.Softirq),
            CpuIdlePct = Pct(after.Idle, before.Idle),
            CpuIowaitPct = Pct(after.Iowait, before.Iowait),
            CpuStealPct = Pct(after.Steal, before.Steal),
            MemoryTotalBytes = memory?.TotalBytes,
            MemoryAvailableBytes = memory?.AvailableBytes,
            SwapTotalBytes = memory?.SwapTotalBytes,
            SwapUsedBytes = memory is { } mem ? mem.SwapTotalBytes - mem.SwapFreeBytes : null,
            Load1 = load?.One,
            Load5 = load?.Five,
            Load15 = load?.Fifteen,
            DiskReadBytes = read,
            DiskWriteBytes = written,
            IntervalSeconds = Math.Round(elapsed.TotalSeconds, 3),
        };
    }

    internal static AtalayaMetricsFields Summarize(IReadOnlyList<AtalayaMetricsFields> samples, double seconds)
    {
        static double? Average(IEnumerable<double?> values)
        {
            var present = values.Where(v => v is not null).Select(v => v!.Value).ToList();
            return present.Count == 0 ? null : Math.Round(present.Average(), 2);
        }

        static long? AverageLong(IEnumerable<long?> values)
        {
            var present = values.Where(v => v is not null).Select(v => v!.Value).ToList();
            return present.Count == 0 ? null : (long)present.Average();
        }

        static long? Sum(IEnumerable<long?> values)
        {
            var present = values.Where(v => v is not null).Select(v => v!.Value).ToList();
            return present.Count == 0 ? null : present.Sum();
        }

        return new AtalayaMetricsFields
        {
            CpuUserPct = Average(samples.Select(s => s.CpuUserPct)),
            CpuSystemPct = Average(samples.Select(s => s.CpuSystemPct)),
            CpuIdlePct = Average(samples.Select(s => s.CpuIdlePct)),
            CpuIowaitPct = Average(samples.Select(s => s.CpuIowaitPct)),
            CpuStealPct = Average(samples.Select(s => s.CpuStealPct)),
            MemoryTotalBytes = samples.Count == 0 ? null : samples[^1].MemoryTotalBytes,
            MemoryAvailableBytes = AverageLong(samples.Select(s => s.MemoryAvailableBytes)),
            SwapTotalBytes = samples.Count == 0 ? null : samples[^1].SwapTotalBytes,
            SwapUsedBytes = AverageLong(samples.Select(s => s.SwapUsedBytes)),
            Load1 = samples.Count == 0 ? null : samples[^1].Load1,
            Load5 = samples.Count == 0 ? null : samples[^1].Load5,
            Load15 = samples.Count == 0 ? null : samples[^1].Load15,
            DiskReadBytes = Sum(samples.Select(s => s.DiskReadBytes)),
            DiskWriteBytes = Sum(samples.Select(s => s.DiskWriteBytes)),
            IntervalSeconds = Math.Round(seconds, 3),
        };
    }

    /// <summary>CPU share of each process since the last sample; returns the top N as events (timestamp set by the caller).</summary>
    private List<EcsEvent> SampleProcesses(TimeSpan elapsed)
    {
        var ticks = new Dictionary<(int, ulong), ulong>(_lastProcessTicks.Count);
        var busy = new List<(double Pct, ProcStat Stat)>();
        foreach (var pid in EnumeratePids())
        {
            if (_reader.TryReadStat(pid, out var stat) != ProcReadStatus.Ok)
            {
                continue;
            }

            var key = (pid, stat.StartTime);
            var used = stat.Utime + stat.Stime;
            ticks[key] = used;
            if (elapsed > TimeSpan.Zero && _lastProcessTicks.TryGetValue(key, out var before) && used >= before)
            {
                var pct = 100.0 * (used - before) / _ticksPerSecond / elapsed.TotalSeconds;
                if (pct >= _options.MinProcessCpuPct)
                {
                    busy.Add((pct, stat));
                }
            }
        }

        _lastProcessTicks = ticks;
        var pageSize = Environment.SystemPageSize;
        var events = new List<EcsEvent>(_options.TopProcesses);
        foreach (var (pct, stat) in busy.OrderByDescending(b => b.Pct).Take(_options.TopProcesses))
        {
            var executable = Interop.ReadLink(_reader.PathOf(stat.Pid, "exe"), out _);
            if (executable is not null && executable.EndsWith(" (deleted)", StringComparison.Ordinal))
            {
                executable = executable[..^" (deleted)".Length];
            }

            events.Add(new EcsEvent
            {
                Timestamp = default,
                Event = Metric(ActionProcessSample),
                Host = _host,
                Process = new ProcessFields
                {
                    Pid = stat.Pid,
                    EntityId = _bootId is null ? null : EntityIds.ForProcess(_bootId, stat.Pid, stat.StartTime),
                    Name = stat.Comm,
                    Executable = executable,
                },
                Atalaya = new AtalayaFields
                {
                    Metrics = new AtalayaMetricsFields
                    {
                        ProcessCpuPct = Math.Round(pct, 2),
                        ProcessRssBytes = stat.Rss * pageSize,
                        IntervalSeconds = Math.Round(elapsed.TotalSeconds, 3),
                    },
                },
            });
        }

        return events;
    }

    private EcsEvent HostEvent(DateTimeOffset now, string action, AtalayaMetricsFields metrics)
    {
        var busy = metrics.CpuIdlePct is { } idle ? Math.Round((100 - idle - (metrics.CpuIowaitPct ?? 0)) / 100, 4) : (double?)null;
        return new EcsEvent
        {
            Timestamp = now,
            Event = Metric(action),
            Host = (_host ?? new HostFields()) with { Cpu = new HostCpuFields { Usage = busy is { } b ? Math.Clamp(b, 0, 1) : null } },
            Atalaya = new AtalayaFields { Metrics = metrics },
        };
    }

    private static EventFields Metric(string action) => new()
    {
        Kind = EventKinds.Metric,
        Category = [EventCategories.Host],
        Type = [EventTypes.Info],
        Action = action,
        Dataset = Datasets.Metrics,
        Module = "atalaya",
    };

    private CpuTimes? ReadCpu()
    {
        if (ResourceParsers.TryParseCpu(ReadText("/stat"), out var cpu))
        {
            return cpu;
        }

        Counters.Increment("parse_errors");
        return null;
    }

    private (ulong, ulong)? ReadDisk()
    {
        var disks = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            foreach (var path in Directory.EnumerateFileSystemEntries(_options.SysRoot.TrimEnd('/') + "/block"))
            {
                var name = Path.GetFileName(path);
                // Loop and RAM devices mirror I/O counted on the real disks (or none at all).
                if (!name.StartsWith("loop", StringComparison.Ordinal) && !name.StartsWith("ram", StringComparison.Ordinal) && !name.StartsWith("zram", StringComparison.Ordinal))
                {
                    disks.Add(name);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        if (!ResourceParsers.TryParseDiskstats(ReadText("/diskstats"), disks, out var read, out var written, out var malformed))
        {
            Counters.Increment("parse_errors", malformed);
            return null;
        }

        Counters.Increment("parse_errors", malformed);
        return (read, written);
    }

    private string ReadText(string relative)
    {
        try
        {
            return File.ReadAllText(_options.ProcRoot.TrimEnd('/') + relative);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Counters.Increment("read_errors");
            return string.Empty;
        }
    }

    private void Publish(IEventPublisher output, EcsEvent value)
    {
        output.Publish(value);
        Counters.Increment("events_published");
    }

    private FileSystemEnumerable<int> EnumeratePids() =>
        new(_options.ProcRoot, static (ref FileSystemEntry e) => int.Parse(e.FileName, NumberStyles.None, CultureInfo.InvariantCulture),
            new EnumerationOptions { RecurseSubdirectories = false, IgnoreInaccessible = true, AttributesToSkip = 0 })
        {
            ShouldIncludePredicate = static (ref FileSystemEntry e) =>
                e.IsDirectory && int.TryParse(e.FileName, NumberStyles.None, CultureInfo.InvariantCulture, out _),
        };
}
