using Atalaya.Core.Schema;

namespace Atalaya.Core.Analytics;

/// <summary>
/// Cryptomining (T1496): a process that keeps a core busy for minutes, scored up when it runs from a
/// user-writable or hidden place and when it talks to a port mining pools use. Compilers, video
/// encoders and test suites also burn CPU for minutes, so sustained CPU alone stays benign; the
/// place it runs from and the pool port are what tell a miner apart.
/// </summary>
public sealed class ResourceHijackingAnalytic : IAnalytic
{
    public const string AnalyticId = "atalaya.analytic.resource-hijacking";

    /// <summary>Stratum ports of common pools (xmrig defaults and the big public pools).</summary>
    public static readonly IReadOnlySet<int> MiningPorts = new HashSet<int> { 3333, 3334, 3357, 4444, 5555, 5556, 7777, 8333, 9999, 14433, 14444, 45560, 45700 };

    private readonly BoundedEntityMap<string, ProcessState> _processes;

    public ResourceHijackingAnalytic(double busyCpuPct = 80, TimeSpan? sustained = null, TimeSpan? maxGap = null, int maxProcesses = 4096)
    {
        BusyCpuPct = busyCpuPct;
        Sustained = sustained ?? TimeSpan.FromMinutes(3);
        MaxGap = maxGap ?? TimeSpan.FromSeconds(10);
        _processes = new BoundedEntityMap<string, ProcessState>(maxProcesses, StringComparer.Ordinal);
    }

    public double BusyCpuPct { get; }

    /// <summary>How long the process must stay busy before it is reported.</summary>
    public TimeSpan Sustained { get; }

    /// <summary>A pause between two busy samples longer than this restarts the count (the process left the top list).</summary>
    public TimeSpan MaxGap { get; }

    public string Id => AnalyticId;

    public string Name => "Cryptomining";

    public IReadOnlyCollection<string> Categories { get; } = [EventCategories.Host, EventCategories.Network];

    public void Observe(EcsEvent value, ISignalSink signals)
    {
        if (value.Process is not { } process || (process.EntityId is null && process.Executable is null))
        {
            return;
        }

        var key = EntityKeys.ForProcess(process);
        if (value.Event.Category.Contains(EventCategories.Network))
        {
            if (value.Destination?.Port is { } port && MiningPorts.Contains(port) && value.Network?.Direction == "egress")
            {
                var state = Get(key);
                if (!state.MiningPort)
                {
                    state.MiningPort = true;
                    Emit(signals, value, key, "mining-port", 50, 0.8,
                        $"{process.Executable ?? process.Name} is connected to {value.Destination.Ip} on port {port}, a port mining pools use");
                }
            }

            return;
        }

        if (value.Event.Action != "process-resource-sample" || value.Atalaya?.Metrics?.ProcessCpuPct is not { } cpu)
        {
            return;
        }

        var busy = Get(key);
        if (cpu < BusyCpuPct || (busy.LastBusy is { } last && value.Timestamp - last > MaxGap))
        {
            busy.BusySince = null;
        }

        if (cpu < BusyCpuPct)
        {
            return;
        }

        busy.BusySince ??= value.Timestamp;
        busy.LastBusy = value.Timestamp;
        var duration = value.Timestamp - busy.BusySince.Value;
        if (duration < Sustained || busy.Reported)
        {
            return;
        }

        busy.Reported = true;
        var executable = process.Executable ?? process.Name ?? "a process";
        // 30 × 0.8 = 24: benign alone; it is evidence to combine with the place and the port.
        Emit(signals, value, key, "sustained-cpu", 30, 0.8,
            $"{executable} (pid {process.Pid}) has kept {cpu:0}% of a core busy for {duration.TotalMinutes:0} minutes");
        if (process.Executable is { } path && (PathClassifier.IsUserWritable(path) || PathClassifier.HasHiddenDirectory(path)))
        {
            Emit(signals, value, key, "busy-from-user-writable", 60, 0.85,
                $"the busy program runs from {path}, a user-writable or hidden place where installed software does not live");
        }
    }

    private ProcessState Get(string key)
    {
        if (!_processes.TryGetValue(key, out var state))
        {
            state = new ProcessState();
            _processes.Set(key, state);
        }

        return state;
    }

    private void Emit(ISignalSink signals, EcsEvent value, string key, string aspect, int weight, double confidence, string detail) =>
        signals.Emit(new Signal
        {
            SourceId = $"{Id}.{aspect}",
            SourceName = Name,
            EntityKey = key,
            Weight = weight,
            Confidence = confidence,
            Domain = aspect == "mining-port" ? SignalDomain.Network : SignalDomain.Process,
            Detail = detail,
            Techniques = ["T1496"],
            Timestamp = value.Timestamp,
            Subject = value,
        });

    private sealed class ProcessState
    {
        public DateTimeOffset? BusySince { get; set; }

        public DateTimeOffset? LastBusy { get; set; }

        public bool Reported { get; set; }

        public bool MiningPort { get; set; }
    }
}
