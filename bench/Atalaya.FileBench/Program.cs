// Run: dotnet run -c Release --project bench/Atalaya.FileBench -- [writes] [seconds]
// 1. FIM: a child process makes N writes (default 10,000) over S seconds (default 10) in a watched temp
//    directory (2,000 files, each written 5 times in a burst); reports kernel events, published events,
//    coalescing, lost events and this process's CPU time (the agent side only: the writer is a child).
// 2. Package verification of every executable under /usr/bin against dpkg's md5sums: cold (no cache),
//    second run (a new process would load the saved cache: simulated with a fresh database + cache file),
//    compared with `dpkg --verify` of the packages owning those files, in the same run.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Files;
using Atalaya.Platform.Linux.Hashing;
using Atalaya.Platform.Linux.Host;
using Atalaya.Platform.Linux.Packages;

var writes = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10_000;
var seconds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10;
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}");

await FimAsync(writes, seconds);
Verification();

static async Task FimAsync(int writes, int seconds)
{
    var directory = Directory.CreateTempSubdirectory("atalaya-filebench-").FullName;
    try
    {
        var options = new FileMonitorOptions { WatchedPaths = [directory] };
        using var collector = FanotifyFileCollector.TryCreate(options, TimeProvider.System, LinuxHostInfo.Read(), new ExecutableHashCache(),
            new UserNameResolver(), new DpkgDatabase(), out var reason);
        if (collector is null)
        {
            Console.WriteLine($"FIM: fanotify refused ({reason}); run as root");
            return;
        }

        var sink = new CountingPublisher();
        using var stop = new CancellationTokenSource();
        var run = Task.Run(() => collector.RunAsync(sink, stop.Token));
        await Task.Delay(500);
        var me = Process.GetCurrentProcess();
        me.Refresh();
        var cpuBefore = me.TotalProcessorTime;
        var wall = Stopwatch.StartNew();

        // The writer is a separate process: the agent drops its own pid's events.
        var script = $$"""
            import os, time
            d = {{Quote(directory)}}
            n = {{writes}}; secs = {{seconds}}; per = 5
            files = n // per
            start = time.monotonic()
            for i in range(files):
                p = os.path.join(d, "f%05d" % i)
                for j in range(per):
                    with open(p, "a") as f:
                        f.write("line %d\n" % j)
                target = start + (i + 1) * secs / files
                delay = target - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            """;
        using (var writer = Process.Start(new ProcessStartInfo("/usr/bin/python3") { ArgumentList = { "-c", script } })!)
        {
            await writer.WaitForExitAsync();
        }

        var writeSeconds = wall.Elapsed.TotalSeconds;
        var expectedFiles = writes / 5;
        for (var i = 0; i < 100 && sink.Paths.Count < expectedFiles; i++)
        {
            await Task.Delay(100);
        }

        me.Refresh();
        var cpu = me.TotalProcessorTime - cpuBefore;
        var elapsed = wall.Elapsed.TotalSeconds;
        await stop.CancelAsync();
        await run;

        var c = collector.Counters;
        Console.WriteLine($"FIM (fanotify): {writes:N0} writes to {expectedFiles:N0} files by a child over {writeSeconds:F1} s");
        Console.WriteLine($"  kernel events read: {c.Get("kernel-events"):N0} (whole filesystem), in watched places: {c.Get("watched-events"):N0}");
        Console.WriteLine($"  events published: {sink.Count:N0} for {sink.Paths.Count:N0} distinct files; raw changes merged: {c.Get("coalesced"):N0}");
        Console.WriteLine($"  writer named (pid+executable): {sink.WithWriter:N0}/{sink.Count:N0}; lost to overflow: {c.Get("lost-overflow")}, dropped: {c.Get("dropped-queue-full")}, rescans: {c.Get("rescans")}");
        Console.WriteLine($"  agent CPU: {cpu.TotalMilliseconds:F0} ms over {elapsed:F1} s = {100 * cpu.TotalSeconds / elapsed:F1}% of one core (includes hashing each file)");
    }
    finally
    {
        Directory.Delete(directory, recursive: true);
    }
}

static void Verification()
{
    var cacheDirectory = Directory.CreateTempSubdirectory("atalaya-filebench-cache-").FullName;
    try
    {
        var cachePath = Path.Combine(cacheDirectory, "package-md5.cache");
        var (cold, coldEvents, coldSource, _) = Scan(cachePath);
        var (second, secondEvents, secondSource, secondDb) = Scan(cachePath);
        Console.WriteLine($"package verification of /usr/bin executables ({coldSource.Counters.Get("checked"):N0} files):");
        Console.WriteLine($"  cold (no cache, page cache warm): {cold.TotalMilliseconds:F0} ms; verified {coldSource.Counters.Get("verified"):N0}, " +
            $"modified {coldSource.Counters.Get("mismatch")}, not owned {coldSource.Counters.Get("notowned")}, no digest {coldSource.Counters.Get("nodigest")}, unreadable {coldSource.Counters.Get("unreadable")}");
        Console.WriteLine($"  second run (new database, saved cache loaded): {second.TotalMilliseconds:F0} ms; cache hits {secondDb.Digests.Hits:N0}, files re-read {secondDb.Digests.Misses}");
        Console.WriteLine($"  findings: {coldEvents} then {secondEvents}");
        foreach (var e in secondSource.TakeSnapshot(CancellationToken.None).Take(10))
        {
            Console.WriteLine($"    {e.Event.Action}: {e.File?.Path} ({e.Atalaya?.File?.Package ?? "no package"})");
        }

        var owners = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in coldSource.EnumerateExecutables(CancellationToken.None))
        {
            if (secondDb.FindOwner(path) is { } owner)
            {
                owners.Add(owner.Key);
            }
        }

        var subset = Time(() => RunDpkg(["--verify", .. owners]));
        Console.WriteLine($"  dpkg --verify of the {owners.Count} owning packages (all their files): {subset.TotalMilliseconds:F0} ms");
        var all = Time(() => RunDpkg(["--verify"]));
        Console.WriteLine($"  dpkg --verify (every package): {all.TotalMilliseconds:F0} ms");
    }
    finally
    {
        Directory.Delete(cacheDirectory, recursive: true);
    }
}

static (TimeSpan Elapsed, int Events, PackageIntegritySnapshotSource Source, DpkgDatabase Database) Scan(string cachePath)
{
    var database = new DpkgDatabase();
    var source = new PackageIntegritySnapshotSource(database, null, new ExecutableHashCache(), new UserNameResolver(), TimeProvider.System,
        directories: ["/usr/bin"], cachePath: cachePath);
    var watch = Stopwatch.StartNew();
    var events = source.TakeSnapshot(CancellationToken.None).Count;
    return (watch.Elapsed, events, source, database);
}

static TimeSpan Time(Action action)
{
    var watch = Stopwatch.StartNew();
    action();
    return watch.Elapsed;
}

static void RunDpkg(IEnumerable<string> arguments)
{
    var info = new ProcessStartInfo("dpkg") { RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (var argument in arguments)
    {
        info.ArgumentList.Add(argument);
    }

    using var process = Process.Start(info)!;
    _ = process.StandardError.ReadToEndAsync();
    process.StandardOutput.ReadToEnd();
    process.WaitForExit();
}

static string Quote(string text) => "'" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";

internal sealed class CountingPublisher : IEventPublisher
{
    private int _count;
    private int _withWriter;

    public ConcurrentDictionary<string, int> Paths { get; } = new(StringComparer.Ordinal);

    public int Count => Volatile.Read(ref _count);

    public int WithWriter => Volatile.Read(ref _withWriter);

    public void Publish(EcsEvent value)
    {
        Interlocked.Increment(ref _count);
        if (value.Process is { Pid: > 0, Executable: not null })
        {
            Interlocked.Increment(ref _withWriter);
        }

        if (value.File?.Path is { } path)
        {
            Paths.AddOrUpdate(path, 1, (_, n) => n + 1);
        }
    }
}
