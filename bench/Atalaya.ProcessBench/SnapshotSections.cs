using System.Diagnostics;
using System.Globalization;
using Atalaya.Core.Pipeline;
using Atalaya.Platform.Linux;
using Atalaya.Platform.Linux.Hashing;
using Atalaya.Platform.Linux.Host;
using Atalaya.Platform.Linux.Processes;

/// <summary>
/// Where a full /proc snapshot's time goes, without a profiler: each read of the full-facts path
/// timed on its own over every process (Stopwatch sections), then the whole snapshot with one and two
/// threads, beside `ps -eo pid,ppid,user,args` in the same run.
/// </summary>
internal static class SnapshotSections
{
    public static void Run(LinuxHostInfo host, int sleepers)
    {
        using var load = new SleeperSet(sleepers);
        var reader = new ProcessReader();
        var hashes = new ExecutableHashCache();
        var users = new UserNameResolver();
        var groups = new GroupNameResolver();
        var builder = new ProcessEventBuilder(host, hashes, users, groups, reader, 64, new CollectorCounters());
        var pids = ProcfsProcessCollector.EnumeratePids("/proc").ToArray();
        foreach (var pid in pids)
        {
            builder.ReadFacts(pid, sampleMaps: false);
        }

        Console.WriteLine($"load {File.ReadAllText("/proc/loadavg").Trim()}; {pids.Length} processes");

        // Compared with this process's links rather than init's, which some sandboxes deny even to root.
        var ownNamespaces = builder.NamespaceLinksOf(Environment.ProcessId);
        var sections = new (string Name, Action<int> Read)[]
        {
            ("stat", pid => reader.TryReadStat(pid, out _)),
            ("status", pid => reader.TryReadStatus(pid, out _)),
            ("cmdline", pid => reader.TryReadCmdline(pid, out _, out _)),
            ("exe readlink", pid => reader.TryReadExecutable(pid, out _, out _)),
            ("cwd readlink", pid => reader.TryReadWorkingDirectory(pid, out _)),
            ("sha256 (warm cache)", pid => hashes.TryGetForProcess(pid, "/proc", out _)),
            ("statx exe", pid => reader.TryStatExecutable(pid, out _, out _)),
            ("environ", pid => reader.TryReadWatchedEnvironment(pid, out _)),
            ("fd count", pid => reader.CountOpenFiles(pid)),
            ("fd/0 readlink", pid => Interop.ReadLink(reader.PathOf(pid, "fd/0"), out _)),
            ("8 ns readlinks", pid => { foreach (var type in ProcessReader.NamespaceTypes) { reader.ReadNamespace(pid, type); } }),
            ("namespaces (readlinkat)", pid => ProcessEventBuilder.DifferingNamespaces(pid, "/proc", ownNamespaces)),
            ("cgroup", pid => reader.TryReadCgroup(pid, out _, out _)),
            ("uid/gid names", pid => { users.Resolve(0); users.Resolve(1000); groups.Resolve(0); groups.Resolve(1000); }),
            ("ReadFacts (all of it)", pid => builder.ReadFacts(pid, sampleMaps: false)),
        };

        foreach (var (name, read) in sections)
        {
            var times = new List<double>();
            for (var run = 0; run < 3; run++)
            {
                var watch = Stopwatch.StartNew();
                foreach (var pid in pids)
                {
                    read(pid);
                }

                times.Add(watch.Elapsed.TotalMilliseconds);
            }

            times.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name,-24} {times[1],8:F1} ms for all ({times[1] * 1000 / pids.Length:F1} µs/process)"));
        }

        foreach (var threads in new[] { 1, 2 })
        {
            var times = new List<double>();
            for (var run = 0; run < 5; run++)
            {
                var collector = new ProcfsProcessCollector(new ProcfsProcessCollectorOptions { MaxReadParallelism = threads }, TimeProvider.System, host, hashes, users, groups);
                var watch = Stopwatch.StartNew();
                collector.TakeSnapshot(CancellationToken.None);
                times.Add(watch.Elapsed.TotalMilliseconds);
            }

            times.Sort();
            var ps = Stopwatch.StartNew();
            using (var process = Process.Start(new ProcessStartInfo("/usr/bin/ps", ["-eo", "pid,ppid,user,args"]) { RedirectStandardOutput = true })!)
            {
                process.StandardOutput.ReadToEnd();
                process.WaitForExit();
            }

            var psMs = ps.Elapsed.TotalMilliseconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  full snapshot, fresh collector, warm hash cache, {threads} thread(s): median {times[2]:F1} ms (min {times[0]:F1}); ps -eo pid,ppid,user,args {psMs:F1} ms; ratio {times[2] / psMs:F2}; load {File.ReadAllText("/proc/loadavg").Trim()}"));
        }
    }

    private sealed class SleeperSet : IDisposable
    {
        private readonly List<Process> _processes = [];

        public SleeperSet(int count)
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
                process.Kill();
                process.WaitForExit(5000);
                process.Dispose();
            }
        }
    }
}
