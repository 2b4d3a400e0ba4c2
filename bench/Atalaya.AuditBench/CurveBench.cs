using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Audit;
using Atalaya.Platform.Linux.Hashing;
using Atalaya.Platform.Linux.Host;
using Atalaya.Platform.Linux.Network.SockDiag;
using Atalaya.Platform.Linux.Processes;

namespace Atalaya.AuditBench;

/// <summary>
/// The curve issue 3 asks for, as the agent runs it: the real-time sensor alone (the process
/// connector for execs, sock_diag for connects) against the same sensor with the audit sensor
/// beside it, joined as in LinuxPlatform (exec correlator, connect hints). Per rate: achieved rate,
/// this process's CPU (both sensors, as % of one core), the generator's CPU (kernel overhead shows
/// there), exec start events with the exact argv, duplicates (more than one start per pid), audit's
/// lost counter; then exec→event latency through the merged path.
/// </summary>
internal static class CurveBench
{
    /// <summary>Unmeasured load before each measured run (ATALAYA_BENCH_WARMUP seconds; 0 measures from a cold start).</summary>
    private static readonly double WarmupSeconds =
        double.TryParse(Environment.GetEnvironmentVariable("ATALAYA_BENCH_WARMUP"), NumberStyles.Float, CultureInfo.InvariantCulture, out var s) ? s : 5;

    public static int Run(double seconds, string? only = null)
    {
        if (!NetlinkProcessCollector.Probe(new NetlinkProcessCollectorOptions(), out var reason))
        {
            Console.Error.WriteLine("the proc connector is unavailable: " + reason);
            return 1;
        }

        Console.WriteLine($"{Environment.ProcessorCount} cpus; load average at start: {LoadAverage()}");
        Console.WriteLine("| load | sensors | achieved/s | agent CPU % of one core | generator CPU s | starts with exact argv | duplicate starts | audit lost | load avg |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var (mode, rate) in new[] { ("exec", 100), ("exec", 400), ("exec", 1600), ("connect", 1000) })
        {
            if (only is not null && only != $"{mode}{rate}")
            {
                continue;
            }

            foreach (var audit in new[] { false, true })
            {
                Measure(mode, rate, seconds, audit);
            }
        }

        if (only is null or "latency")
        {
            Latency(200);
        }

        return 0;
    }

    private static void Measure(string mode, int rate, double seconds, bool auditOn)
    {
        var marker = "atalaya-curve-" + Guid.NewGuid().ToString("N")[..8];
        var host = LinuxHostInfo.Read();
        var publisher = new Recorder(marker);
        using var stop = new CancellationTokenSource();
        var correlator = new ExecCorrelator();
        var runs = new List<Task>();
        SockDiagConnectionCollector? network = null;
        NetlinkProcessCollector? connector = null;
        if (mode == "exec")
        {
            connector = new NetlinkProcessCollector(new NetlinkProcessCollectorOptions(), TimeProvider.System, host, new ExecutableHashCache(),
                new UserNameResolver()) { ExecCorrelator = auditOn ? correlator : null };
            runs.Add(connector.RunAsync(publisher, stop.Token));
        }
        else
        {
            network = SockDiagConnectionCollector.TryCreate(new SockDiagConnectionCollectorOptions(), TimeProvider.System, host.Host, out _)
                ?? throw new InvalidOperationException("sock_diag unavailable");
            runs.Add(Task.Run(() => network.RunAsync(publisher, stop.Token)));
        }

        AuditCollector? collector = null;
        if (auditOn)
        {
            collector = new AuditCollector(new AuditCollectorOptions(), TimeProvider.System, host, new UserNameResolver())
            {
                ExecCorrelator = mode == "exec" ? correlator : null,
                ConnectHints = network?.ConnectHints,
            };
            runs.Add(Task.Run(() => collector.RunAsync(publisher, stop.Token)));
            var wait = Stopwatch.StartNew();
            while (collector.Counters.Get(AuditCounterNames.Available) != 1 && wait.Elapsed < TimeSpan.FromSeconds(10))
            {
                Thread.Sleep(20);
            }

            if (collector.Counters.Get(AuditCounterNames.Available) != 1)
            {
                Console.WriteLine($"| {rate} {mode}/s | audit unavailable: {collector.UnavailableReason} |");
            }
        }

        // Let the connector's initial /proc walk and the first dump pass, then run the same load unmeasured
        // so the code is compiled (tier 0, then tier 1): an agent runs for days, and the steady state is
        // what compares with a native sensor. Without this the first rate measured pays the JIT (about 40 %
        // of its CPU here in a perf profile) and looks worse than the ones after it.
        Thread.Sleep(1500);
        if (WarmupSeconds > 0)
        {
            Bench.Generate(mode, rate, WarmupSeconds, marker + "-warmup");
            Thread.Sleep(700);
        }

        publisher.Counting = true;
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var threadBefore = ThreadCpuTicks("atalaya-proc-co");
        var execsBefore = connector?.Counters.Get("execs") ?? 0;
        var (done, elapsed, generatorCpu) = Bench.Generate(mode, rate, seconds, marker);
        var expected = (int)done;
        var drain = Stopwatch.StartNew();
        while (mode == "exec" && publisher.ExactCount < expected && drain.Elapsed < TimeSpan.FromSeconds(5))
        {
            Thread.Sleep(20);
        }

        // Past every correlator wait, so a duplicate would be counted.
        Thread.Sleep(700);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        var threadSeconds = (ThreadCpuTicks("atalaya-proc-co") - threadBefore) / (double)host.ClockTicksPerSecond;
        var execsSeen = (connector?.Counters.Get("execs") ?? 0) - execsBefore;
        stop.Cancel();
        foreach (var run in runs)
        {
            run.GetAwaiter().GetResult();
        }

        var lost = collector?.Counters.Get(AuditCounterNames.KernelLost);
        collector?.Dispose();
        network?.Dispose();
        var exact = mode == "exec" ? publisher.ExactCount.ToString(CultureInfo.InvariantCulture) + "/" + expected : "-";
        var duplicates = mode == "exec" ? publisher.Duplicates.ToString(CultureInfo.InvariantCulture) : "-";
        if (mode == "exec")
        {
            // Every exec on the host reaches the connector, not only the generator's: per exec it sees,
            // the connector thread's CPU is comparable between a quiet and a busy machine.
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  connector thread: {threadSeconds:0.00} s CPU for {execsSeen} execs seen on the host = {(execsSeen == 0 ? 0 : 1e6 * threadSeconds / execsSeen):0} µs/exec"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {rate} {mode}/s | {(mode == "exec" ? "connector" : "sock_diag")}{(auditOn ? " + audit" : " only")} | {done / elapsed:0} | {100 * cpu.TotalSeconds / (elapsed + 0.7):0.0} | {generatorCpu:0.00} | {exact} | {duplicates} | {(lost is { } l ? l.ToString(CultureInfo.InvariantCulture) : "-")} | {LoadAverage()} |"));
    }

    /// <summary>Process.Start of /usr/bin/true to the merged start event's publish (includes fork+exec and the correlator's wait).</summary>
    private static void Latency(int samples)
    {
        var marker = "atalaya-latency-" + Guid.NewGuid().ToString("N")[..8];
        var host = LinuxHostInfo.Read();
        var publisher = new Recorder(marker) { Counting = true };
        using var stop = new CancellationTokenSource();
        var correlator = new ExecCorrelator();
        var connector = new NetlinkProcessCollector(new NetlinkProcessCollectorOptions(), TimeProvider.System, host, new ExecutableHashCache(),
            new UserNameResolver()) { ExecCorrelator = correlator };
        var collector = new AuditCollector(new AuditCollectorOptions(), TimeProvider.System, host, new UserNameResolver()) { ExecCorrelator = correlator };
        var runs = new[] { connector.RunAsync(publisher, stop.Token), Task.Run(() => collector.RunAsync(publisher, stop.Token)) };
        var wait = Stopwatch.StartNew();
        while (collector.Counters.Get(AuditCounterNames.Available) != 1 && wait.Elapsed < TimeSpan.FromSeconds(10))
        {
            Thread.Sleep(20);
        }

        Thread.Sleep(1000);
        var latencies = new List<double>();
        for (var i = 0; i < samples; i++)
        {
            var id = i.ToString(CultureInfo.InvariantCulture);
            var started = Stopwatch.GetTimestamp();
            using (var p = Process.Start(new ProcessStartInfo("/usr/bin/true") { ArgumentList = { marker, id } })!)
            {
                p.WaitForExit();
            }

            var waiting = Stopwatch.StartNew();
            Start? seen;
            while (!publisher.Starts.Values.Any(s => s.Id == id) && waiting.Elapsed < TimeSpan.FromSeconds(2))
            {
                Thread.Sleep(0);
            }

            seen = publisher.Starts.Values.FirstOrDefault(s => s.Id == id);
            if (seen is not null)
            {
                latencies.Add(Stopwatch.GetElapsedTime(started, seen.At).TotalMilliseconds);
            }

            Thread.Sleep(5);
        }

        stop.Cancel();
        foreach (var run in runs)
        {
            run.GetAwaiter().GetResult();
        }

        collector.Dispose();
        latencies.Sort();
        Console.WriteLine(latencies.Count == 0 ? "exec→event latency: no event seen" : string.Create(CultureInfo.InvariantCulture,
            $"exec→merged event latency over {latencies.Count}/{samples} execs: p50 {latencies[latencies.Count / 2]:0.00} ms, p99 {latencies[(int)(latencies.Count * 0.99)]:0.00} ms, max {latencies[^1]:0.00} ms (Process.Start to publish, includes fork+exec); merged {correlator.Counters.Get("merged")}, alone {correlator.Counters.Get("alone")}; load average {LoadAverage()}"));
    }

    /// <summary>utime+stime in clock ticks of this process's threads named <paramref name="comm"/> (/proc/self/task).</summary>
    private static long ThreadCpuTicks(string comm)
    {
        long total = 0;
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n') == comm
                    && ProcStatParser.TryParse(File.ReadAllText(Path.Combine(task, "stat")), out var stat))
                {
                    total += (long)(stat.Utime + stat.Stime);
                }
            }
            catch (IOException)
            {
                // The thread ended between the listing and the read.
            }
        }

        return total;
    }

    public static string LoadAverage()
    {
        try
        {
            var text = File.ReadAllText("/proc/loadavg");
            var end = text.IndexOf(' ', text.IndexOf(' ', text.IndexOf(' ') + 1) + 1);
            return end > 0 ? text[..end] : text.Trim();
        }
        catch (IOException)
        {
            return "?";
        }
    }

    private sealed record Start(string Id, bool Exact, long At);

    /// <summary>
    /// Start events of the generator's execs (by pid): exact argv or not, and duplicates — a second
    /// start for one exec id, or for one pid within two seconds (pid_max is 32,768 here: a pid is
    /// legitimately reused within a long run on a busy host).
    /// </summary>
    private sealed class Recorder(string marker) : IEventPublisher
    {
        private readonly ConcurrentDictionary<string, byte> _ids = new(StringComparer.Ordinal);
        private int _duplicates;

        /// <summary>False during the warm-up: nothing is recorded.</summary>
        public volatile bool Counting;

        public ConcurrentDictionary<int, Start> Starts { get; } = new();

        public int Duplicates => Volatile.Read(ref _duplicates);

        /// <summary>Distinct exec ids whose start carried the exact argv.</summary>
        public int ExactCount => _ids.Count;

        public void Publish(EcsEvent value)
        {
            if (!Counting || value.Process is not { } process || !value.Event.Type.Contains(EventTypes.Start)
                || !value.Event.Category.Contains(EventCategories.Process))
            {
                return;
            }

            var args = process.Args;
            var ours = args is { Count: 3 } a && a[1] == marker;

            // A start without argv (gone before /proc could be read, audit late) is matched by its parent
            // being the generator: counted, not exact.
            if (!ours && process.Parent?.Executable?.Contains("python3", StringComparison.Ordinal) != true)
            {
                return;
            }

            if (!ours && args is { Count: > 0 })
            {
                return;
            }

            var start = new Start(ours ? args![2] : "?", ours && args![0] == "/usr/bin/true", Stopwatch.GetTimestamp());
            var sameExec = ours && !_ids.TryAdd(args![2], 0);
            var samePid = false;
            Starts.AddOrUpdate(process.Pid, start, (_, previous) =>
            {
                samePid = Stopwatch.GetElapsedTime(previous.At, start.At) < TimeSpan.FromSeconds(2);
                return start;
            });
            if (sameExec || samePid)
            {
                Interlocked.Increment(ref _duplicates);
            }
        }
    }
}
