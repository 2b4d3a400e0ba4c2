using System.Diagnostics;
using Atalaya.Core.Schema;
using BenchmarkDotNet.Running;

namespace Atalaya.Benchmarks;

internal static class Program
{
    // dotnet run -c Release --project bench/Atalaya.Benchmarks -- --filter '*' --job short
    // dotnet run -c Release --project bench/Atalaya.Benchmarks -- --per-rule   (the ten most expensive rules)
    // dotnet run -c Release --project bench/Atalaya.Benchmarks -- --throughput (events/s, prefilter off vs on, same run)
    // dotnet run -c Release --project bench/Atalaya.Benchmarks -- --correlation-memory [GROUPS] (1M correlation keys: groups, heap, RSS)
    public static void Main(string[] args)
    {
        if (args is ["--per-rule"])
        {
            PerRule();
            return;
        }

        if (args is ["--correlation-memory", ..])
        {
            CorrelationMemory.Run(args);
            return;
        }

        if (args is ["--throughput"])
        {
            Throughput();
            return;
        }

        if (args is ["--auditd-cost"])
        {
            AuditdCost();
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }

    /// <summary>
    /// One thread, one event shape at a time, 2 s each after warm-up: non-matching events per
    /// second through every process_creation rule, without and with the literal prefilter.
    /// </summary>
    private static void Throughput()
    {
        var files = SigmaRuleFolders.ReadAll();
        var bench = new SigmaEngineBenchmarks();
        bench.Setup();
        // Twice: without the auditd folder, then every rule (what the auditd rules' EXECVE view costs).
        foreach (var withAuditd in new[] { false, true })
        {
            var set = SigmaRuleFolders.Load([.. files.Where(f => withAuditd || !f.Path.Contains("/auditd/", StringComparison.Ordinal))]);
            var filter = set.Prefilter(Atalaya.Core.Detection.Sigma.SigmaEventKind.ProcessCreation);
            var execve = set.Auditd(Atalaya.Core.Detection.Sigma.AuditdRecordType.Execve).Prefilter;
            Console.WriteLine($"{filter.RuleCount} process_creation rules, {filter.AlwaysEvaluated} without a usable literal; "
                + $"{execve.RuleCount} auditd EXECVE rules, {execve.AlwaysEvaluated} without; load average {File.ReadAllText("/proc/loadavg").Trim()}");
            Throughput(set, bench);
        }
    }

    private static void Throughput(Atalaya.Core.Detection.Sigma.SigmaRuleSet set, SigmaEngineBenchmarks bench)
    {
        foreach (var (name, value) in bench.Events())
        {
            foreach (var prefilter in new[] { false, true })
            {
                var analytic = new Atalaya.Core.Detection.Sigma.SigmaAnalytic(set, prefilter);
                var sink = new NullSink();
                for (var i = 0; i < 20_000; i++)
                {
                    analytic.Observe(value, sink);
                }

                var allocated = GC.GetAllocatedBytesForCurrentThread();
                var clock = Stopwatch.StartNew();
                long events = 0;
                while (clock.ElapsedMilliseconds < 2000)
                {
                    for (var i = 0; i < 1000; i++)
                    {
                        analytic.Observe(value, sink);
                    }

                    events += 1000;
                }

                var perEvent = (GC.GetAllocatedBytesForCurrentThread() - allocated) / (double)events;
                Console.WriteLine($"{name,-10} prefilter={(prefilter ? "on " : "off")} {events / clock.Elapsed.TotalSeconds,12:N0} events/s  {perEvent:0.0} B/event  {analytic.Matches / (double)(events + 20_000):0.##} signals/event");
            }
        }
    }

    /// <summary>
    /// What the auditd rules add per non-matching exec: the rule set with and without the auditd
    /// folder, interleaved in 50 ms slices so a loaded machine's drift hits both alike.
    /// </summary>
    private static void AuditdCost()
    {
        var files = SigmaRuleFolders.ReadAll();
        var bench = new SigmaEngineBenchmarks();
        bench.Setup();
        var with = new Atalaya.Core.Detection.Sigma.SigmaAnalytic(SigmaRuleFolders.Load(files));
        var without = new Atalaya.Core.Detection.Sigma.SigmaAnalytic(SigmaRuleFolders.Load([.. files.Where(f => !f.Path.Contains("/auditd/", StringComparison.Ordinal))]));
        Console.WriteLine($"load average {File.ReadAllText("/proc/loadavg").Trim()}");
        var execve = with.Rules.Auditd(Atalaya.Core.Detection.Sigma.AuditdRecordType.Execve);
        foreach (var (name, value) in bench.Events().Where(e => e.Name != "matching"))
        {
            var sink = new NullSink();
            var selected = new ulong[1];
            for (var i = 0; i < 200_000; i++)
            {
                with.Observe(value, sink);
                without.Observe(value, sink);
                execve.Prefilter.Select(value, selected);
            }

            var selectClock = Stopwatch.StartNew();
            for (var i = 0; i < 200_000; i++)
            {
                execve.Prefilter.Select(value, selected);
            }

            Console.WriteLine($"{name,-6} EXECVE prefilter {selectClock.Elapsed.TotalNanoseconds / 200_000,8:N0} ns, selects {System.Numerics.BitOperations.PopCount(selected[0])} of {execve.Conditions.Length}: "
                + string.Join(", ", Enumerable.Range(0, execve.Conditions.Length).Where(i => (selected[0] & (1UL << i)) != 0).Select(i => Path.GetFileName(with.Rules.AuditdRules[execve.RuleIndexes[i]].Path))));
            var totals = new double[2];
            var counts = new long[2];
            for (var slice = 0; slice < 80; slice++)
            {
                var analytic = slice % 2 == 0 ? with : without;
                var clock = Stopwatch.StartNew();
                long events = 0;
                while (clock.ElapsedMilliseconds < 50)
                {
                    for (var i = 0; i < 200; i++)
                    {
                        analytic.Observe(value, sink);
                    }

                    events += 200;
                }

                totals[slice % 2] += clock.Elapsed.TotalNanoseconds;
                counts[slice % 2] += events;
            }

            Console.WriteLine($"{name,-6} with auditd {totals[0] / counts[0],8:N0} ns/event, without {totals[1] / counts[1],8:N0} ns/event");
        }

        Console.WriteLine($"load average {File.ReadAllText("/proc/loadavg").Trim()}");
    }

    private sealed class NullSink : Atalaya.Core.Analytics.ISignalSink
    {
        public void Emit(Atalaya.Core.Analytics.Signal signal)
        {
        }
    }

    private static void PerRule()
    {
        var set = SigmaRuleFolders.Load(SigmaRuleFolders.ReadAll());
        var value = new EcsEvent
        {
            Timestamp = DateTimeOffset.UnixEpoch,
            Event = new EventFields { Kind = EventKinds.Event, Category = [EventCategories.Process], Type = [EventTypes.Start] },
            Process = new ProcessFields
            {
                Executable = "/usr/lib/jvm/java-17-openjdk-amd64/bin/java",
                CommandLine = "/usr/lib/jvm/java-17-openjdk-amd64/bin/java -Xmx2g -Djava.awt.headless=true -classpath /opt/app/lib/a.jar:/opt/app/lib/b.jar com.example.server.Main --config /etc/app/server.yaml --port 8080",
                Parent = new ProcessFields { Executable = "/usr/lib/systemd/systemd", CommandLine = "/sbin/init splash" },
            },
        };
        var costs = new List<(string, double)>();
        foreach (var rule in set.RulesFor(Atalaya.Core.Detection.Sigma.SigmaEventKind.ProcessCreation))
        {
            for (var i = 0; i < 20_000; i++)
            {
                rule.Matches(value);
            }

            var clock = Stopwatch.StartNew();
            for (var i = 0; i < 20_000; i++)
            {
                rule.Matches(value);
            }

            costs.Add((Path.GetFileName(rule.Path), clock.Elapsed.TotalNanoseconds / 20_000));
        }

        Console.WriteLine($"total {costs.Sum(c => c.Item2):N0} ns over {costs.Count} rules");
        foreach (var (name, ns) in costs.OrderByDescending(c => c.Item2).Take(10))
        {
            Console.WriteLine($"{ns,10:N0} ns  {name}");
        }
    }
}
