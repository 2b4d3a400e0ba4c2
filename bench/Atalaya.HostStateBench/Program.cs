// Run: dotnet run -c Release --project bench/Atalaya.HostStateBench -- [iterations] [resourceSeconds]
// Prints the time of one full persistence inventory of this host (cold hash cache, then warm),
// one account pass, and the CPU the resource collector costs when sampling every second.
using System.Diagnostics;
using System.Globalization;
using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Accounts;
using Atalaya.Platform.Linux.Hashing;
using Atalaya.Platform.Linux.Persistence;
using Atalaya.Platform.Linux.Resources;

var iterations = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 30;
var resourceSeconds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 30;

var hashes = new ExecutableHashCache();
var inventory = new PersistenceInventory("", hashes);
var cold = Stopwatch.StartNew();
var entries = inventory.Read(CancellationToken.None);
cold.Stop();
Report("persistence inventory, cold hash cache (includes JIT)", [cold.Elapsed.TotalMilliseconds], entries.Count);
Report("persistence inventory, warm hash cache", Measure(() => inventory.Read(CancellationToken.None).Count, iterations, out var count), count);
Report("persistence inventory, new hash cache each time", Measure(() => new PersistenceInventory("", new ExecutableHashCache()).Read(CancellationToken.None).Count, Math.Max(3, iterations / 5), out _), count);
Console.WriteLine($"  counters: {string.Join(", ", inventory.Counters.Snapshot().Select(kv => $"{kv.Key}={kv.Value}"))}");
Console.WriteLine($"  by kind: {string.Join(", ", entries.GroupBy(e => e.Kind).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count()}"))}");

var accounts = new AccountCollector(new AccountCollectorOptions(), TimeProvider.System, null);
Report("account snapshot (passwd, group, shadow, wtmp/btmp, histories)", Measure(() => accounts.TakeSnapshot(CancellationToken.None).Count, iterations, out var users), users);

var collector = new ResourceCollector(new ResourceCollectorOptions(), TimeProvider.System, new HostFields { Name = "bench" }, "bench-boot");
var publisher = new CountingPublisher();
using var cts = new CancellationTokenSource();
var run = collector.RunAsync(publisher, cts.Token);
await Task.Delay(3000);
var self = Process.GetCurrentProcess();
self.Refresh();
var cpuBefore = self.TotalProcessorTime;
var wall = Stopwatch.StartNew();
var eventsBefore = publisher.Count;
await Task.Delay(TimeSpan.FromSeconds(resourceSeconds));
self.Refresh();
var cpu = self.TotalProcessorTime - cpuBefore;
wall.Stop();
await cts.CancelAsync();
await run;
var pids = Directory.EnumerateDirectories("/proc").Count(d => int.TryParse(Path.GetFileName(d), out _));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"resource collector at 1 s over {wall.Elapsed.TotalSeconds:0.0} s with {pids} processes: {cpu.TotalMilliseconds / wall.Elapsed.TotalSeconds:0.00} ms CPU per second = {100 * cpu.TotalMilliseconds / wall.Elapsed.TotalMilliseconds:0.000}% of one core, {publisher.Count - eventsBefore} events"));

static List<double> Measure(Func<int> action, int iterations, out int result)
{
    result = action();
    var times = new List<double>(iterations);
    for (var i = 0; i < iterations; i++)
    {
        var watch = Stopwatch.StartNew();
        result = action();
        times.Add(watch.Elapsed.TotalMilliseconds);
    }

    return times;
}

static void Report(string name, List<double> times, int items)
{
    times.Sort();
    var median = times[times.Count / 2];
    var p90 = times[Math.Min(times.Count - 1, (int)(times.Count * 0.9))];
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: median {median:0.00} ms, p90 {p90:0.00} ms, n={times.Count}, items={items}"));
}

internal sealed class CountingPublisher : IEventPublisher
{
    private long _count;

    public long Count => Interlocked.Read(ref _count);

    public void Publish(EcsEvent value) => Interlocked.Increment(ref _count);
}
