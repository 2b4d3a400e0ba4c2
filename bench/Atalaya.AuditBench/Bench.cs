using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Audit;
using Atalaya.Platform.Linux.Host;

namespace Atalaya.AuditBench;

/// <summary>
/// Fixed-rate load (execs or loopback connects per second, from a python generator child) with the
/// audit sensor off and on. Reports the sensor's CPU (this process), the generator's CPU (kernel
/// overhead shows there), records lost (AUDIT_GET lost delta) and how many operations became events.
/// </summary>
internal static class Bench
{
    private const string Generator = """
        import os, resource, socket, sys, time
        mode, rate, seconds, marker = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
        n = int(rate * seconds); start = time.monotonic(); done = 0
        if mode == "connect":
            l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(4096); addr = l.getsockname()
        for i in range(n):
            due = start + i / rate
            d = due - time.monotonic()
            if d > 0: time.sleep(d)
            if mode == "exec":
                pid = os.posix_spawn("/usr/bin/true", ["/usr/bin/true", marker, str(i)], {})
                os.waitpid(pid, 0)
            else:
                c = socket.create_connection(addr); a, _ = l.accept(); a.close(); c.close()
            done += 1
        el = time.monotonic() - start
        s = resource.getrusage(resource.RUSAGE_SELF); ch = resource.getrusage(resource.RUSAGE_CHILDREN)
        print(done, el, s.ru_utime + s.ru_stime + ch.ru_utime + ch.ru_stime, flush=True)
        """;

    public static int Run(double seconds)
    {
        Console.WriteLine("| load | audit | achieved/s | sensor CPU % of one core | generator CPU s | events matched | kernel lost |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var (mode, rate) in new[] { ("exec", 100), ("exec", 400), ("exec", 1600), ("connect", 1000) })
        {
            foreach (var on in new[] { false, true })
            {
                Measure(mode, rate, seconds, on);
            }
        }

        Latency(200);
        return 0;
    }

    private static void Measure(string mode, int rate, double seconds, bool auditOn)
    {
        var marker = "atalaya-bench-" + Guid.NewGuid().ToString("N")[..8];
        var publisher = new CountingPublisher(marker);
        using var stop = new CancellationTokenSource();
        AuditCollector? collector = null;
        Task? run = null;
        if (auditOn)
        {
            collector = new AuditCollector(new AuditCollectorOptions(), TimeProvider.System, LinuxHostInfo.Read(), new UserNameResolver());
            run = Task.Run(() => collector.RunAsync(publisher, stop.Token));
            var wait = Stopwatch.StartNew();
            while (collector.Counters.Get(AuditCounterNames.Available) != 1 && wait.Elapsed < TimeSpan.FromSeconds(10))
            {
                Thread.Sleep(20);
            }
        }

        var lostBefore = AuditSession.TryReadStatus(out _)?.Lost ?? 0;
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var (done, elapsed, generatorCpu) = Generate(mode, rate, seconds, marker);
        var expected = (int)(rate * seconds);
        var drain = Stopwatch.StartNew();
        while (auditOn && publisher.Matched(mode) < expected && drain.Elapsed < TimeSpan.FromSeconds(5))
        {
            Thread.Sleep(20);
        }

        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        var lost = collector?.Counters.Get(AuditCounterNames.KernelLost) ?? 0;
        if (collector is not null)
        {
            stop.Cancel();
            run!.GetAwaiter().GetResult();
            lost = Math.Max(lost, collector.Counters.Get(AuditCounterNames.KernelLost));
            collector.Dispose();
        }

        var lostAfter = AuditSession.TryReadStatus(out _)?.Lost ?? 0;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {rate} {mode}/s | {(auditOn ? "on" : "off")} | {done / elapsed:0} | {100 * cpu.TotalSeconds / elapsed:0.0} | {generatorCpu:0.00} | {(auditOn ? $"{publisher.Matched(mode)}/{expected}" : "-")} | {(auditOn ? Math.Max(lost, lostAfter - lostBefore).ToString(CultureInfo.InvariantCulture) : "-")} |"));
    }

    /// <summary>The python generator at a fixed rate: operations done, wall seconds, its CPU seconds (with its children's).</summary>
    public static (double Done, double Elapsed, double Cpu) Generate(string mode, int rate, double seconds, string marker)
    {
        var info = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true };
        foreach (var a in new[] { "-c", Generator, mode, rate.ToString(CultureInfo.InvariantCulture), seconds.ToString(CultureInfo.InvariantCulture), marker })
        {
            info.ArgumentList.Add(a);
        }

        string output;
        using (var generator = Process.Start(info)!)
        {
            output = generator.StandardOutput.ReadToEnd();
            generator.WaitForExit();
        }

        var parts = output.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (double.Parse(parts[0], CultureInfo.InvariantCulture), double.Parse(parts[1], CultureInfo.InvariantCulture),
            double.Parse(parts[2], CultureInfo.InvariantCulture));
    }

    /// <summary>exec → published event: Stopwatch before Process.Start to the publish on the reader thread (includes fork+exec).</summary>
    private static void Latency(int samples)
    {
        var marker = "atalaya-latency-" + Guid.NewGuid().ToString("N")[..8];
        var publisher = new CountingPublisher(marker);
        using var stop = new CancellationTokenSource();
        var collector = new AuditCollector(new AuditCollectorOptions(), TimeProvider.System, LinuxHostInfo.Read(), new UserNameResolver());
        var run = Task.Run(() => collector.RunAsync(publisher, stop.Token));
        while (collector.Counters.Get(AuditCounterNames.Available) != 1)
        {
            Thread.Sleep(20);
        }

        var latencies = new List<double>();
        for (var i = 0; i < samples; i++)
        {
            var id = i.ToString(CultureInfo.InvariantCulture);
            var started = Stopwatch.GetTimestamp();
            var info = new ProcessStartInfo("/usr/bin/true") { ArgumentList = { marker, id } };
            using (var p = Process.Start(info)!)
            {
                p.WaitForExit();
            }

            var wait = Stopwatch.StartNew();
            long seen;
            while (!publisher.Seen.TryGetValue(id, out seen) && wait.Elapsed < TimeSpan.FromSeconds(2))
            {
                Thread.SpinWait(100);
            }

            if (seen != 0)
            {
                latencies.Add(Stopwatch.GetElapsedTime(started, seen).TotalMilliseconds);
            }

            Thread.Sleep(5);
        }

        stop.Cancel();
        run.GetAwaiter().GetResult();
        collector.Dispose();
        latencies.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"exec→event latency over {latencies.Count}/{samples} execs: p50 {latencies[latencies.Count / 2]:0.00} ms, p99 {latencies[(int)(latencies.Count * 0.99)]:0.00} ms, max {latencies[^1]:0.00} ms (Process.Start to publish, includes fork+exec)"));
    }

    private sealed class CountingPublisher(string marker) : IEventPublisher
    {
        private int _execs;
        private int _connects;

        public ConcurrentDictionary<string, long> Seen { get; } = new(StringComparer.Ordinal);

        public int Matched(string mode) => mode == "exec" ? Volatile.Read(ref _execs) : Volatile.Read(ref _connects);

        public void Publish(EcsEvent value)
        {
            if (value.Process?.Args is { Count: 3 } args && args[1] == marker)
            {
                Interlocked.Increment(ref _execs);
                Seen.TryAdd(args[2], Stopwatch.GetTimestamp());
            }
            else if (value.Event.Action == AuditEventMapper.ActionConnect && value.Process?.Name == "python3" && value.Destination?.Ip == "127.0.0.1")
            {
                Interlocked.Increment(ref _connects);
            }
        }
    }
}
