// Run: dotnet run -c Release --project bench/Atalaya.Snapshot.Bench -- [iterations]
// Prints the cost of one full /proc process snapshot (first = cold hash cache, then warm),
// one /proc/net connection snapshot, and one full assessment (both snapshots + detection).
using System.Diagnostics;
using System.Globalization;
using Atalaya.Core.Analytics;
using Atalaya.Core.Analytics.Network;
using Atalaya.Core.Detection;
using Atalaya.Core.Enrichment;
using Atalaya.Core.Scoring;
using Atalaya.Platform.Linux;

var iterations = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 50;
var sensors = LinuxPlatform.Create(new LinuxPlatformOptions(), TimeProvider.System);
var processes = sensors.SnapshotSources.Single(s => s.Name == "process");
var network = sensors.SnapshotSources.Single(s => s.Name == "network");

var cold = Stopwatch.StartNew();
var first = processes.TakeSnapshot(CancellationToken.None);
cold.Stop();
Report("process snapshot, cold hash cache (includes JIT)", [cold.Elapsed.TotalMilliseconds], first.Count);

Report("process snapshot, warm", Measure(() => processes.TakeSnapshot(CancellationToken.None).Count, iterations, out var count), count);
Report("connection snapshot (/proc/net + owners)", Measure(() => network.TakeSnapshot(CancellationToken.None).Count, iterations, out var sockets), sockets);

var catalog = SystemBinaryCatalog.Parse(File.ReadAllText(FindCatalog("system-binaries.yml")));
var behaviour = ProcessBehaviourCatalog.Parse(File.ReadAllText(FindCatalog("process-behaviour.yml")));
var ports = PortCatalog.Parse(File.ReadAllText(FindCatalog("ports.yml")));
Report("full assessment (both snapshots + detection)", Measure(() =>
{
    var engine = new DetectionEngine(BuiltInAnalytics.Create(catalog, behaviour, ports), new RiskScorer(), TimeProvider.System);
    return HostAssessment.Run(sensors.SnapshotSources, engine, new ProcessTableEnricher(), CancellationToken.None).Observed.Count;
}, iterations, out var observed), observed);
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}");

static double[] Measure(Func<int> action, int iterations, out int items)
{
    items = action(); // warm-up
    var samples = new double[iterations];
    for (var i = 0; i < iterations; i++)
    {
        var watch = Stopwatch.StartNew();
        items = action();
        samples[i] = watch.Elapsed.TotalMilliseconds;
    }

    return samples;
}

static void Report(string what, double[] samples, int items)
{
    Array.Sort(samples);
    var median = samples[samples.Length / 2];
    var p95 = samples[Math.Min(samples.Length - 1, (int)(samples.Length * 0.95))];
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what}: median {median:F2} ms, p95 {p95:F2} ms over {samples.Length} runs, {items} items"));
}

static string FindCatalog(string name)
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        var candidate = Path.Combine(dir.FullName, "rules", "catalogs", name);
        if (File.Exists(candidate))
        {
            return candidate;
        }
    }

    throw new FileNotFoundException($"rules/catalogs/{name} not found above " + AppContext.BaseDirectory);
}
