using System.Collections.Concurrent;
using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Files;
using Atalaya.Platform.Linux.Hashing;
using Atalaya.Platform.Linux.Host;
using Atalaya.Platform.Linux.Packages;
using Atalaya.TestKit;

namespace Atalaya.Platform.Linux.Tests.Files;

/// <summary>
/// The file sensors on the real kernel: real writes by child processes in a temp directory under /tmp,
/// each event checked for the path, the action and (with fanotify) the writer's pid, executable and
/// command line. fanotify needs root; without it the fanotify tests are skipped with the kernel's reason.
/// </summary>
public sealed class FileSensorTests
{
    private static readonly string Shell = File.Exists("/bin/sh") ? "/bin/sh" : "/usr/bin/sh";

    private static FileMonitorOptions OptionsFor(string directory, params string[] excluded) => new()
    {
        WatchedPaths = [directory],
        ExcludedPaths = excluded,
        CoalesceWindow = TimeSpan.FromMilliseconds(100),
    };

    private static FanotifyFileCollector Fanotify(FileMonitorOptions options, DpkgDatabase? packages = null)
    {
        var collector = FanotifyFileCollector.TryCreate(options, TimeProvider.System, LinuxHostInfo.Read(), new ExecutableHashCache(),
            new UserNameResolver(), packages ?? new DpkgDatabase(), out var reason);
        Skip.If(collector is null, $"fanotify refused here: {reason}");
        return collector;
    }

    [SkippableFact]
    public async Task Fanotify_names_the_child_process_that_wrote_the_file()
    {
        using var temp = new TempDirectory("atalaya-fim-");
        using var collector = Fanotify(OptionsFor(temp.Path));

        var target = temp.Combine("dropped.sh");
        await using var run = Running.Start(collector);
        using var child = SpawnedProcess.Start(Shell, ["-c", $"printf '#!/bin/sh\\necho pwned\\n' > {target}; chmod 755 {target}; sleep 0.2"]);
        Assert.True(child.WaitForExit(TimeSpan.FromSeconds(30)));

        var created = await run.WaitFor(e => e.File?.Path == target);
        Assert.NotNull(created);
        Assert.Equal("fanotify", collector.Sensor);
        Assert.Equal(EventCategories.File, Assert.Single(created.Event.Category));
        Assert.Equal(Datasets.File, created.Event.Dataset);
        Assert.Equal(FileActions.Created, created.Event.Action);
        Assert.Equal([EventTypes.Creation], created.Event.Type);
        Assert.Equal(child.Pid, created.Process!.Pid);
        // /bin/sh is a symlink (to dash on Debian) and /bin is /usr-merged: the kernel reports the real file.
        Assert.Equal("sh", created.Process.Name);
        Assert.Equal("/usr/bin/dash", created.Process.Executable);
        Assert.Contains(target, created.Process.CommandLine, StringComparison.Ordinal);
        Assert.NotNull(created.Process.EntityId);
        Assert.Equal("dropped.sh", created.File!.Name);
        Assert.Equal(21, created.File.Size);
        Assert.Equal("0755", created.File.Mode);
        Assert.Equal("root", created.File.Owner);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("#!/bin/sh\necho pwned\n"u8.ToArray())), created.File.Hash?.Sha256);
        Assert.True(created.Atalaya!.File!.Executable);
        Assert.Null(created.Atalaya.File.Package);
        Assert.Null(created.Atalaya.File.PackageVerified);
        Assert.True(created.Atalaya.File.Coalesced >= 2, $"create, write and chmod merged: {created.Atalaya.File.Coalesced}");
        Assert.Equal("dash", created.Atalaya.Process?.Package);
    }

    [SkippableFact]
    public async Task Fanotify_reports_rename_with_old_path_and_deletion_by_their_writers()
    {
        using var temp = new TempDirectory("atalaya-fim-");
        File.WriteAllText(temp.Combine("a.conf"), "x=1\n");
        using var collector = Fanotify(OptionsFor(temp.Path));

        await using var run = Running.Start(collector);
        using var mover = SpawnedProcess.Start("/usr/bin/mv", [temp.Combine("a.conf"), temp.Combine("b.conf")]);
        Assert.True(mover.WaitForExit(TimeSpan.FromSeconds(30)));
        var renamed = await run.WaitFor(e => e.File?.Path == temp.Combine("b.conf"));
        Assert.NotNull(renamed);
        Assert.Equal(FileActions.Renamed, renamed.Event.Action);
        Assert.Equal(temp.Combine("a.conf"), renamed.Atalaya!.File!.OldPath);
        Assert.Equal(mover.Pid, renamed.Process!.Pid);

        using var remover = SpawnedProcess.Start("/usr/bin/rm", [temp.Combine("b.conf")]);
        Assert.True(remover.WaitForExit(TimeSpan.FromSeconds(30)));
        var deleted = await run.WaitFor(e => e.File?.Path == temp.Combine("b.conf") && e.Event.Action == FileActions.Deleted);
        Assert.NotNull(deleted);
        Assert.Equal([EventTypes.Deletion], deleted.Event.Type);
        Assert.Equal(remover.Pid, deleted.Process!.Pid);
        Assert.Null(deleted.File!.Size);
    }

    [SkippableFact]
    public async Task Fanotify_drops_its_own_writes_excluded_paths_and_unwatched_places()
    {
        using var temp = new TempDirectory("atalaya-fim-");
        Directory.CreateDirectory(temp.Combine("data"));
        using var outside = new TempDirectory("atalaya-unwatched-");
        using var collector = Fanotify(OptionsFor(temp.Path, temp.Combine("data")));

        await using var run = Running.Start(collector);
        File.WriteAllText(temp.Combine("own.txt"), "written by the agent's process");
        using var child = SpawnedProcess.Start(Shell, ["-c",
            $"echo 1 > {temp.Combine("data", "store.db")}; echo 2 > {outside.Combine("x")}; echo 3 > {temp.Combine("marker")}"]);
        Assert.True(child.WaitForExit(TimeSpan.FromSeconds(30)));

        Assert.NotNull(await run.WaitFor(e => e.File?.Path == temp.Combine("marker")));
        // The marker came last from one writer; the coalescing window has passed for the earlier writes too.
        await Task.Delay(300);
        var paths = run.Events.Select(e => e.File?.Path).ToList();
        Assert.DoesNotContain(temp.Combine("own.txt"), paths);
        Assert.DoesNotContain(temp.Combine("data", "store.db"), paths);
        Assert.DoesNotContain(outside.Combine("x"), paths);
        Assert.True(collector.Counters.Get("kernel-events") >= collector.Counters.Get("watched-events"));
    }

    [SkippableFact]
    public async Task Fanotify_coalesces_a_burst_of_writes_to_one_file()
    {
        using var temp = new TempDirectory("atalaya-fim-");
        using var collector = Fanotify(OptionsFor(temp.Path));

        var target = temp.Combine("burst.log");
        await using var run = Running.Start(collector);
        // 200 separate write(2) calls: one open, many modifies, one close.
        using var child = SpawnedProcess.Start(Shell, ["-c", $"exec 3>{target}; i=0; while [ $i -lt 200 ]; do echo $i >&3; i=$((i+1)); done; exec 3>&-"]);
        Assert.True(child.WaitForExit(TimeSpan.FromSeconds(30)));
        var first = await run.WaitFor(e => e.File?.Path == target);
        Assert.NotNull(first);
        await Task.Delay(300);
        var all = run.Events.Where(e => e.File?.Path == target).ToList();
        // 201 write(2) calls and a close: the kernel merges queued identical events and the coalescer merges
        // the rest, so how many raw events reach user space varies with timing; the outcome does not.
        Assert.True(all.Count <= 2, $"expected the burst to merge, got {all.Count} events");
        Assert.Equal(collector.Counters.Get("watched-events"), all.Sum(e => e.Atalaya!.File!.Coalesced ?? 0));
        Assert.Equal(child.Pid, all[0].Process!.Pid);
    }

    [SkippableFact]
    public async Task Fanotify_verifies_a_package_owned_file_written_by_a_non_package_manager()
    {
        var packages = new DpkgDatabase();
        Skip.IfNot(packages.IsAvailable, "no dpkg database on this host");

        // touch opens the file for writing and sets its mtime back: a close-write that leaves the content as shipped.
        using var collector = Fanotify(new FileMonitorOptions { WatchedPaths = ["/usr/bin/sleep"] }, packages);

        await using var run = Running.Start(collector);
        using var child = SpawnedProcess.Start("/usr/bin/touch", ["-c", "-m", "-d", File.GetLastWriteTimeUtc("/usr/bin/sleep").ToString("o"), "/usr/bin/sleep"]);
        Assert.True(child.WaitForExit(TimeSpan.FromSeconds(30)));
        var attrib = await run.WaitFor(e => e.File?.Path == "/usr/bin/sleep");
        Assert.NotNull(attrib);
        Assert.Equal(FileActions.Modified, attrib.Event.Action);
        Assert.Equal(("coreutils", (bool?)true), (attrib.Atalaya!.File!.Package, attrib.Atalaya.File.PackageVerified));
        Assert.Equal(child.Pid, attrib.Process!.Pid);
    }

    [Fact]
    public async Task Inotify_fallback_reports_changes_without_a_writer()
    {
        using var temp = new TempDirectory("atalaya-fim-");
        var collector = new InotifyFileCollector(OptionsFor(temp.Path), TimeProvider.System, LinuxHostInfo.Read(), new ExecutableHashCache(),
            new UserNameResolver(), new DpkgDatabase());
        Assert.Equal("inotify", collector.Sensor);
        await using var run = Running.Start(collector);
        await Eventually.WaitForAsync(() => collector.Counters.Get("watched-roots"), n => n > 0);
        // The baseline may hold zero entries, so wait for the counter to exist rather than for a value.
        Assert.True(await Eventually.WaitForAsync(() => collector.Counters.Snapshot().ContainsKey("baseline-entries"), taken => taken));

        var target = temp.Combine("job");
        using var child = SpawnedProcess.Start(Shell, ["-c", $"echo '* * * * * root /tmp/x' > {target}"]);
        Assert.True(child.WaitForExit(TimeSpan.FromSeconds(30)));
        var created = await run.WaitFor(e => e.File?.Path == target);
        Assert.NotNull(created);
        Assert.Equal(FileActions.Created, created.Event.Action);
        Assert.Null(created.Process);
        Assert.Equal(22, created.File!.Size);
        Assert.NotNull(created.File.Hash?.Sha256);

        File.Move(target, temp.Combine("job2"));
        var renamed = await run.WaitFor(e => e.File?.Path == temp.Combine("job2"));
        Assert.NotNull(renamed);
        Assert.Equal(FileActions.Renamed, renamed.Event.Action);
        Assert.Equal(target, renamed.Atalaya!.File!.OldPath);
    }

    [Fact]
    public void Tree_snapshot_diff_is_what_a_rescan_reports()
    {
        using var temp = new TempDirectory("atalaya-fim-");
        File.WriteAllText(temp.Combine("keep"), "1");
        File.WriteAllText(temp.Combine("change"), "1");
        File.WriteAllText(temp.Combine("remove"), "1");
        File.WriteAllText(temp.Combine("chmod"), "1");
        var watch = new WatchList([temp.Path], []);
        var before = FileTreeSnapshot.Take(watch, 1000, CancellationToken.None);

        File.WriteAllText(temp.Combine("change"), "22");
        File.Delete(temp.Combine("remove"));
        File.WriteAllText(temp.Combine("new"), "1");
        File.SetUnixFileMode(temp.Combine("chmod"), (UnixFileMode)0b111_000_000);
        var after = FileTreeSnapshot.Take(watch, 1000, CancellationToken.None);

        var diff = FileTreeSnapshot.Diff(before, after, 0).ToDictionary(c => c.Path, c => c.Classify().Action);
        Assert.Equal(4, diff.Count);
        Assert.Equal(FileActions.Modified, diff[temp.Combine("change")]);
        Assert.Equal(FileActions.Deleted, diff[temp.Combine("remove")]);
        Assert.Equal(FileActions.Created, diff[temp.Combine("new")]);
        Assert.Equal(FileActions.AttributesChanged, diff[temp.Combine("chmod")]);

        var truncated = FileTreeSnapshot.Take(watch, 2, CancellationToken.None);
        Assert.True(truncated.Truncated);
        Assert.DoesNotContain(FileTreeSnapshot.Diff(after, truncated, 0), c => c.Classify().Action == FileActions.Deleted);
    }

    /// <summary>A collector running in the background, collecting what it publishes; stopped on dispose.</summary>
    internal sealed class Running : IEventPublisher, IAsyncDisposable
    {
        private readonly ConcurrentQueue<EcsEvent> _events = new();
        private readonly CancellationTokenSource _stop = new();
        private Task _task = Task.CompletedTask;

        public IReadOnlyCollection<EcsEvent> Events => _events;

        public static Running Start(IEventCollector collector)
        {
            var running = new Running();
            running._task = Task.Run(() => collector.RunAsync(running, running._stop.Token));
            return running;
        }

        public void Publish(EcsEvent value) => _events.Enqueue(value);

        public async Task<EcsEvent?> WaitFor(Func<EcsEvent, bool> match) =>
            (await Eventually.WaitForAsync(() => _events.FirstOrDefault(match), e => e is not null, attempts: 100)) ?? FailFast();

        private EcsEvent? FailFast() =>
            _task.IsFaulted ? throw new InvalidOperationException("collector failed", _task.Exception) : null;

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _task;
            _stop.Dispose();
        }
    }
}
