using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Hashing;
using Atalaya.Platform.Linux.Host;
using Atalaya.Platform.Linux.Processes;

// Process sensor benchmarks (issue 4). Run as root: dotnet run -c Release --project bench/Atalaya.ProcessBench [scenario...]
// Scenarios: single, loop, rates, burst, snapshot, rss (default: all); sections (where a snapshot's time goes);
// alert and alert-agent (exec→alert latency of the masquerade rule, see AlertLatency.cs). Times are printed, never asserted.
var scenarios = args.Length == 0 ? ["single", "loop", "rates", "burst", "snapshot", "rss"] : args;
var host = LinuxHostInfo.Read();
Console.WriteLine($"machine: {Environment.ProcessorCount} cpus, kernel {host.Host.Os?.Kernel}, {host.Host.Os?.Name} {host.Host.Os?.Version}, .NET {Environment.Version}");
if (!NetlinkProcessCollector.Probe(new NetlinkProcessCollectorOptions(), out var reason))
{
    Console.WriteLine($"the proc connector is unavailable: {reason}");
    return 1;
}

var generator = Bench.CompileGenerator();
foreach (var scenario in scenarios)
{
    switch (scenario)
    {
        case "single":
            // One at a time: each /usr/bin/true spawned 20 ms after the previous.
            Bench.RunLoad(host, generator, "one-at-a-time (50/s)", rate: 50, count: 500, "/usr/bin/true");
            break;
        case "loop":
            Bench.RunLoad(host, generator, "execgen loop 800/s", rate: 800, count: 8000, "/usr/bin/true");
            Bench.RunBashLoop(host, generator, seconds: 10);
            break;
        case "rates":
            foreach (var rate in new[] { 100, 400, 1600 })
            {
                Bench.RunLoad(host, generator, $"rate {rate}/s", rate, count: rate * 10, "/usr/bin/true");
            }

            break;
        case "burst":
            Bench.RunLoad(host, generator, "burst 2000 as fast as possible", rate: 0, count: 2000, "/usr/bin/true");
            break;
        case "snapshot":
            Bench.Snapshot(host);
            break;
        case "sections":
            SnapshotSections.Run(host, 1000);
            break;
        case "rss":
            Bench.Rss(host);
            break;
        case "alert":
            AlertLatency.Run(host, everySensor: false);
            break;
        case "alert-agent":
            AlertLatency.Run(host, everySensor: true);
            break;
        default:
            Console.WriteLine($"unknown scenario {scenario}");
            return 2;
    }
}

return 0;

internal static class Bench
{
    public static string CompileGenerator()
    {
        var output = Path.Combine(Path.GetTempPath(), $"atalaya-execgen-{Environment.ProcessId}");
        using var gcc = Process.Start("/usr/bin/gcc", ["-O2", "-o", output, Path.Combine(AppContext.BaseDirectory, "execgen.c")])!;
        gcc.WaitForExit();
        if (gcc.ExitCode != 0)
        {
            throw new InvalidOperationException("gcc failed on execgen.c");
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) => File.Delete(output);
        return output;
    }

    public static void RunLoad(LinuxHostInfo host, string generator, string label, int rate, int count, params string[] program) =>
        Measure(host, generator, label, () => Process.Start(generator, [rate.ToString(CultureInfo.InvariantCulture), count.ToString(CultureInfo.InvariantCulture), .. program])!);

    public static void RunBashLoop(LinuxHostInfo host, string generator, int seconds) =>
        Measure(host, generator, $"bash loop {seconds} s", () => Process.Start("/bin/bash", ["-c", $"end=$((SECONDS + {seconds})); while ((SECONDS < end)); do /usr/bin/true; done"])!);

    /// <summary>
    /// Runs the connector while the load runs; latency is kernel timestamp to the event leaving
    /// enrichment (published); completeness counts exec events of the load's children with both the
    /// executable and the command line; CPU is this process's utime+stime over the load's wall time.
    /// </summary>
    /// <param name="generator">execgen, for the unmeasured warm-up load.</param>
    private static void Measure(LinuxHostInfo host, string generator, string label, Func<Process> startLoad)
    {
        // As the agent runs it: with the kernel program when it loads. ATALAYA_BENCH_KERNEL=0: the connector alone.
        var kernel = Environment.GetEnvironmentVariable("ATALAYA_BENCH_KERNEL") != "0";
        using var collector = new NetlinkProcessCollector(
            new NetlinkProcessCollectorOptions { DropsInterval = TimeSpan.FromMilliseconds(500), PreferKernelProgram = kernel },
            TimeProvider.System, host, new ExecutableHashCache(), new UserNameResolver(), new GroupNameResolver());
        if (kernel && collector.KernelProgramUnavailableReason is { } why)
        {
            Console.WriteLine($"kernel program unavailable, measuring the connector alone: {why}");
        }

        var latencies = new ConcurrentQueue<long>();
        collector.ExecLatencyObserver = latencies.Enqueue;
        var publisher = new CountingPublisher();
        using var cts = new CancellationTokenSource();
        var run = collector.RunAsync(publisher, cts.Token);
        // The initial /proc walk (hashing every executable once) is not part of the measured load.
        while (collector.TableCount == 0)
        {
            Thread.Sleep(50);
        }

        Thread.Sleep(500);

        // Unmeasured warm-up load: tiered compilation re-JITs the exec path during the first seconds
        // (perf: its thread took as much CPU as the sensor's in the first 8 s at 100 execs/s), which
        // the agent pays once at start, not per exec. ATALAYA_BENCH_WARMUP seconds (default 5, 0: none).
        var warmup = int.TryParse(Environment.GetEnvironmentVariable("ATALAYA_BENCH_WARMUP"), CultureInfo.InvariantCulture, out var w) ? w : 5;
        if (warmup > 0)
        {
            // The statistics read (bpftool, JSON) too: read once cold, its methods were re-JIT'd in the
            // background during the measured load.
            _ = KernelProgramStats.Read();
            using var warm = Process.Start(generator, ["200", (200 * warmup).ToString(CultureInfo.InvariantCulture), "/usr/bin/true"])!;
            warm.WaitForExit();
            _ = KernelProgramStats.Read();
            Thread.Sleep(1000);
        }

        latencies.Clear();
        publisher.StartCounting();
        var programBefore = KernelProgramStats.Read();
        var cpuBefore = CpuTicks();
        var wall = Stopwatch.StartNew();
        using var load = startLoad();
        publisher.LoadPid = load.Id;
        load.WaitForExit();
        var loadSeconds = wall.Elapsed.TotalSeconds;

        // Let the last events drain, then read the kernel's drop counter once more.
        Thread.Sleep(1500);
        var cpuSeconds = (CpuTicks() - cpuBefore) / (double)host.ClockTicksPerSecond;
        var elapsed = wall.Elapsed.TotalSeconds;
        var programAfter = KernelProgramStats.Read();
        cts.Cancel();
        run.Wait();

        var sorted = latencies.Order().ToArray();
        var execs = publisher.Execs;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{label}: execs={execs} ({execs / loadSeconds:F0}/s over {loadSeconds:F1} s) complete={Percent(publisher.Complete, execs)} partial={Percent(publisher.Partial, execs)} "
            + $"latency median={Micro(sorted, 0.5)} p99={Micro(sorted, 0.99)} max={Micro(sorted, 1.0)} "
            + $"cpu={100 * cpuSeconds / elapsed:F1}% of one core (sensor process over {elapsed:F1} s) "
            + $"lost(ENOBUFS)={collector.Counters.Get("lost")} resyncs={collector.Counters.Get("resyncs")} kernel_drops={collector.Counters.Get("kernel_drops")} "
            + $"sensor={collector.Sensor}{KernelProgramStats.Describe(programBefore, programAfter, elapsed)}"));
    }

    public static void Snapshot(LinuxHostInfo host)
    {
        using var sleepers = new Sleepers(1000);
        var hashes = new ExecutableHashCache();
        var users = new UserNameResolver();
        var warmup = new ProcfsProcessCollector(new ProcfsProcessCollectorOptions(), TimeProvider.System, host, hashes, users);
        var count = warmup.TakeSnapshot(CancellationToken.None).Count;

        // Fresh collector (every process fully read) with the hash cache warm, three runs.
        var fresh = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            var collector = new ProcfsProcessCollector(new ProcfsProcessCollectorOptions(), TimeProvider.System, host, hashes, users);
            var sw = Stopwatch.StartNew();
            collector.TakeSnapshot(CancellationToken.None);
            fresh.Add(sw.Elapsed.TotalMilliseconds);
        }

        // Steady state: the same collector again (facts cached, one stat and one readlink per process).
        var steady = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            var sw = Stopwatch.StartNew();
            warmup.TakeSnapshot(CancellationToken.None);
            steady.Add(sw.Elapsed.TotalMilliseconds);
        }

        var ps = Stopwatch.StartNew();
        using (var process = Process.Start(new ProcessStartInfo("/usr/bin/ps", ["-eo", "pid,ppid,user,args"]) { RedirectStandardOutput = true })!)
        {
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"snapshot of {count} processes: full read with warm hash cache {string.Join(" / ", fresh.Select(t => t.ToString("F0", CultureInfo.InvariantCulture)))} ms; "
            + $"steady state (facts cached) {string.Join(" / ", steady.Select(t => t.ToString("F0", CultureInfo.InvariantCulture)))} ms; ps -eo pid,ppid,user,args {ps.Elapsed.TotalMilliseconds:F0} ms"));
    }

    public static void Rss(LinuxHostInfo host)
    {
        using var sleepers = new Sleepers(1000);
        var collector = new NetlinkProcessCollector(new NetlinkProcessCollectorOptions(), TimeProvider.System, host,
            new ExecutableHashCache(), new UserNameResolver(), new GroupNameResolver());
        var publisher = new CountingPublisher();
        using var cts = new CancellationTokenSource();
        var run = collector.RunAsync(publisher, cts.Token);
        Thread.Sleep(3000);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var rss = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        Console.WriteLine($"RSS with the connector running and {collector.TableCount} processes in its table (1000 sleeps): {rss[6..].Trim()} (managed heap {GC.GetTotalMemory(false) / 1024 / 1024} MiB)");
        cts.Cancel();
        run.Wait();
    }

    private static long CpuTicks()
    {
        var stat = File.ReadAllText("/proc/self/stat");
        return ProcStatParser.TryParse(stat, out var parsed) ? (long)(parsed.Utime + parsed.Stime) : 0;
    }

    private static string Percent(long part, long whole) => whole == 0 ? "n/a" : string.Create(CultureInfo.InvariantCulture, $"{100.0 * part / whole:F1}%");

    private static string Micro(long[] sortedNs, double quantile)
    {
        if (sortedNs.Length == 0)
        {
            return "n/a";
        }

        var index = Math.Min(sortedNs.Length - 1, (int)Math.Ceiling(quantile * sortedNs.Length) - 1);
        return string.Create(CultureInfo.InvariantCulture, $"{sortedNs[Math.Max(0, index)] / 1000.0:F0}µs");
    }

    /// <summary>Counts the load's exec events: children of the generator (or deeper, for the bash loop).</summary>
    private sealed class CountingPublisher : IEventPublisher
    {
        private volatile bool _counting;
        private long _execs;
        private long _complete;
        private long _partial;

        public int LoadPid { get; set; }

        public long Execs => Interlocked.Read(ref _execs);

        public long Complete => Interlocked.Read(ref _complete);

        public long Partial => Interlocked.Read(ref _partial);

        public void StartCounting() => _counting = true;

        public void Publish(EcsEvent value)
        {
            if (!_counting || value.Event.Action != ProcfsProcessCollector.ActionExec || value.Process is not { } process
                || process.Parent?.Pid != LoadPid || LoadPid == 0)
            {
                return;
            }

            Interlocked.Increment(ref _execs);
            if (process.Executable is not null && process.CommandLine is not null)
            {
                Interlocked.Increment(ref _complete);
            }

            if (value.Atalaya?.Partial == true)
            {
                Interlocked.Increment(ref _partial);
            }
        }
    }

    /// <summary>N sleep processes, killed by their PIDs on dispose.</summary>
    private sealed class Sleepers : IDisposable
    {
        private readonly List<Process> _processes = [];

        public Sleepers(int count)
        {
            for (var i = 0; i < count; i++)
            {
                _processes.Add(Process.Start("/usr/bin/sleep", ["600"])!);
            }
        }

        public void Dispose()
        {
            foreach (var process in _processes)
            {
                try
                {
                    process.Kill();
                    process.WaitForExit(5000);
                }
                catch (InvalidOperationException)
                {
                }

                process.Dispose();
            }
        }
    }
}
