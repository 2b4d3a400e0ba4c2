// Run: dotnet run -c Release --project bench/Atalaya.Storage.Bench -- [totalEvents] [batchSize]
using System.Diagnostics;
using System.Globalization;
using Atalaya.Core.Schema;
using Atalaya.Storage;

// Sustained SqliteEventStore.Append throughput: realistic process-exec events (about 700 bytes of
// JSON each, a parent, args, a hash) in batches, into a fresh store on the temp filesystem.
var total = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200_000;
var batchSize = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 500;

var directory = Directory.CreateTempSubdirectory("atalaya-bench-").FullName;
try
{
    var start = new DateTimeOffset(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);
    var batches = Enumerable.Range(0, total / batchSize)
        .Select(b => (IReadOnlyList<EcsEvent>)Enumerable.Range(0, batchSize).Select(i => Sample(start, b * batchSize + i)).ToList())
        .ToList();

    // The JSON share of the cost, measured alone: what is left is SQLite.
    var json = Stopwatch.StartNew();
    long chars = 0;
    foreach (var batch in batches)
    {
        foreach (var item in batch)
        {
            chars += EcsJson.Serialize(item).Length;
        }
    }

    json.Stop();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"serialize only: {total / json.Elapsed.TotalSeconds:F0} events/s, {chars / total} chars of JSON per event"));

    using var store = SqliteEventStore.Open(directory);
    store.Append(batches[0]); // warm-up: JIT, prepared statements, first pages
    var cpuBefore = Environment.CpuUsage.TotalTime;
    var stopwatch = Stopwatch.StartNew();
    for (var b = 1; b < batches.Count; b++)
    {
        store.Append(batches[b]);
    }

    stopwatch.Stop();
    var cpu = Environment.CpuUsage.TotalTime - cpuBefore;
    var written = (batches.Count - 1) * batchSize;
    var stats = store.GetStatistics();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{written} events in batches of {batchSize}: {stopwatch.Elapsed.TotalSeconds:F2} s, {written / stopwatch.Elapsed.TotalSeconds:F0} events/s " +
        $"(CPU {cpu.TotalSeconds:F2} s, {written / cpu.TotalSeconds:F0} events per CPU-second); " +
        $"{stats.EventCount} rows, {stats.DatabaseBytes / (1024.0 * 1024.0):F1} MiB; {Environment.ProcessorCount} cores, {Environment.OSVersion}"));
}
finally
{
    Directory.Delete(directory, recursive: true);
}

static EcsEvent Sample(DateTimeOffset start, int n) => new()
{
    Timestamp = start.AddMilliseconds(n),
    Event = new EventFields
    {
        Kind = EventKinds.Event,
        Category = [EventCategories.Process],
        Type = [EventTypes.Start],
        Action = "exec",
        Dataset = Datasets.Process,
    },
    Host = new HostFields { Name = "bench-host", Os = new HostOsFields { Type = "linux", Family = "debian", Kernel = "6.1.0" } },
    Process = new ProcessFields
    {
        Pid = 1000 + (n % 30000),
        EntityId = EntityIds.ForProcess("boot", 1000 + (n % 30000), (ulong)n),
        Name = "bash",
        Executable = "/usr/bin/bash",
        CommandLine = $"bash -c 'grep -r needle /var/log/{n}'",
        Args = ["bash", "-c", $"grep -r needle /var/log/{n}"],
        WorkingDirectory = "/home/ana",
        User = new UserFields { Id = "1000", Name = "ana" },
        Hash = new HashFields { Sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
        Parent = new ProcessFields { Pid = 900, Name = "sshd", Executable = "/usr/sbin/sshd", CommandLine = "sshd: ana@pts/0" },
    },
};
