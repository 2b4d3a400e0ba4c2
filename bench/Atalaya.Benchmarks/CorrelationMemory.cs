using System.Diagnostics;
using System.Globalization;
using Atalaya.Core.Analytics;
using Atalaya.Core.Detection.Sigma;
using Atalaya.Core.Schema;

namespace Atalaya.Benchmarks;

/// <summary>
/// <c>--correlation-memory [GROUPS]</c>: the whole rule set (SigmaHQ Linux + the shipped pack, which
/// holds the SSH brute-force correlation) fed one million failed SSH logins from one million distinct
/// addresses, two each (below the threshold, so every group stays live until evicted). Prints the
/// live groups, evictions, managed heap and RSS after a full collection. GROUPS is the per-correlation
/// cap (default <see cref="SigmaCorrelationEngine.DefaultGroupsPerCorrelation"/>); a cap of 1000000
/// shows what the state would cost without eviction.
/// </summary>
internal static class CorrelationMemory
{
    public static void Run(string[] args)
    {
        var cap = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : SigmaCorrelationEngine.DefaultGroupsPerCorrelation;
        var set = SigmaRuleFolders.Load(SigmaRuleFolders.ReadAll());
        var brute = set.Correlations.Single(c => c.Title == "SSH password guessing from one address");
        var sigma = new SigmaAnalytic(set, correlationGroups: cap);
        var sink = new CountingSink();
        Collect();
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var rssBefore = RssBytes();

        var start = new DateTimeOffset(2026, 11, 22, 0, 0, 0, TimeSpan.Zero);
        var template = new EcsEvent
        {
            Timestamp = start,
            Event = new EventFields
            {
                Kind = EventKinds.Event, Category = [EventCategories.Authentication], Type = [EventTypes.Start],
                Action = "ssh-login-failed", Dataset = Datasets.Authentication, Outcome = EventOutcomes.Failure,
            },
            User = new UserFields { Name = "root" },
            Process = new ProcessFields { Pid = 812, Name = "sshd" },
        };
        var clock = Stopwatch.StartNew();
        const int keys = 1_000_000;
        for (var i = 0; i < keys; i++)
        {
            var value = template with
            {
                Timestamp = start.AddMilliseconds(i),
                Source = new EndpointFields { Ip = $"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}", Port = 50000 },
            };
            sigma.Observe(value, sink);
            sigma.Observe(value, sink);
        }

        clock.Stop();
        Collect();
        var heapAfter = GC.GetTotalMemory(forceFullCollection: true);
        var rssAfter = RssBytes();
        Console.WriteLine($"correlation '{brute.Title}' (event_count >= {brute.Condition.Threshold} per {string.Join(",", brute.GroupBy)} in {brute.Timespan}); cap {cap:N0} groups per correlation");
        Console.WriteLine($"{keys:N0} distinct keys x 2 events in {clock.Elapsed.TotalSeconds:0.0} s; live groups {sigma.CorrelationGroups:N0}, evictions {sigma.CorrelationEvictions:N0}, signals {sink.Count}");
        Console.WriteLine($"managed heap {Mib(heapBefore)} -> {Mib(heapAfter)} MiB (+{Mib(heapAfter - heapBefore)}); RSS {Mib(rssBefore)} -> {Mib(rssAfter)} MiB (+{Mib(rssAfter - rssBefore)})");
        Console.WriteLine($"load average {File.ReadAllText("/proc/loadavg").Trim()}");
        GC.KeepAlive(sigma);
    }

    private static void Collect()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
    }

    private static string Mib(long bytes) => (bytes / 1024.0 / 1024.0).ToString("0.0", CultureInfo.InvariantCulture);

    private static long RssBytes()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }

    private sealed class CountingSink : ISignalSink
    {
        public int Count { get; private set; }

        public void Emit(Signal signal) => Count++;
    }
}
