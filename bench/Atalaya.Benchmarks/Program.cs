using System.Diagnostics;
using Atalaya.Core.Schema;
using BenchmarkDotNet.Running;

namespace Atalaya.Benchmarks;

internal static class Program
{
    // dotnet run -c Release --project bench/Atalaya.Benchmarks -- --filter '*' --job short
    // dotnet run -c Release --project bench/Atalaya.Benchmarks -- --per-rule   (the ten most expensive rules)
    public static void Main(string[] args)
    {
        if (args is ["--per-rule"])
        {
            PerRule();
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
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
