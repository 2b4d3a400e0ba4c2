using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Files;
using Atalaya.Platform.Linux.Hashing;
using Atalaya.Platform.Linux.Host;
using Atalaya.Platform.Linux.Packages;
using Atalaya.TestKit;

namespace Atalaya.Platform.Linux.Tests.Files;

/// <summary>
/// A reader that gets to the events of a removal after the directory is gone. fanotify names the
/// directory of each event by file handle, and the kernel no longer opens the handle of a removed
/// directory (ESTALE): on a loaded host <c>rm -r dir</c> or <c>dpkg -r</c> finished before the reader read
/// the first file deletion, and all of them were dropped as unresolved (only the directory's own deletion,
/// named by its parent, got through). Made deterministic here: the mark is placed (the kernel queues from
/// then on) and the whole scenario runs before the reader starts, so every event is read after the removal.
/// </summary>
public sealed class RemovedDirectoryTests
{
    private const int Files = 40;

    private static FanotifyFileCollector Fanotify(params string[] watched)
    {
        var options = new FileMonitorOptions { WatchedPaths = watched, CoalesceWindow = TimeSpan.FromMilliseconds(100) };
        var collector = FanotifyFileCollector.TryCreate(options, TimeProvider.System, LinuxHostInfo.Read(), new ExecutableHashCache(),
            new UserNameResolver(), new DpkgDatabase(), out var reason);
        Skip.If(collector is null, $"fanotify refused here: {reason}");
        return collector;
    }

    private static int RunShell(string script) => Run("/bin/sh", "-c", script);

    /// <summary>Runs a child to its end; its pid.</summary>
    private static int Run(string executable, params string[] arguments)
    {
        using var child = SpawnedProcess.Start(executable, arguments);
        Assert.True(child.WaitForExit(TimeSpan.FromSeconds(60)), "the shell did not finish");
        Assert.True(child.Process.ExitCode == 0, child.StandardError);
        return child.Pid;
    }

    private static string MakeFiles(string directory) => $"for i in $(seq -w 1 {Files}); do echo $i > {directory}/file$i; done";

    /// <summary>Starts the reader on what the kernel queued, and waits for one event per expected path.</summary>
    private static async Task<List<EcsEvent>> ReadAfterTheFact(FanotifyFileCollector collector, FileSensorTests.Running run, IReadOnlyCollection<string> paths)
    {
        var seen = await Eventually.WaitForAsync(
            () => run.Events.Where(e => e.File?.Path is { } p && paths.Contains(p)).ToList(),
            events => events.Select(e => e.File!.Path).Distinct().Count() >= paths.Count, attempts: 100);
        Skip.If(collector.Counters.Get("lost-overflow") > 0, "the kernel queue overflowed while the scenario ran (a busy filesystem): the removal was lost as a whole, counted");
        return seen;
    }

    private static string[] FilePaths(string directory) =>
        [.. Enumerable.Range(1, Files).Select(i => Path.Combine(directory, $"file{i:D2}"))];

    [SkippableFact]
    public async Task A_directory_made_after_the_start_and_removed_before_the_reader_reads_still_reports_each_file()
    {
        using var temp = new TempDirectory("atalaya-fim-rmdir-");
        var package = temp.Combine("package");
        using var collector = Fanotify(package);
        Skip.IfNot(collector.ReportsNewDirectoryHandles, "kernel older than 5.17: no handle of a new directory with its creation");

        RunShell($"mkdir {package} && {MakeFiles(package)}");
        var remover = Run("/usr/bin/rm", "-r", package);

        await using var run = FileSensorTests.Running.Start(collector);
        var files = FilePaths(package);
        var seen = await ReadAfterTheFact(collector, run, files);

        Assert.Equal(files.Order(StringComparer.Ordinal), seen.Select(e => e.File!.Path!).Distinct().Order(StringComparer.Ordinal));
        Assert.All(seen, e => Assert.Contains(EventTypes.Deletion, e.Event.Type));
        // The writer has exited: the pid is still the remover's, from the event.
        Assert.All(seen, e => Assert.Equal(remover, e.Process!.Pid));
    }

    [SkippableFact]
    public async Task A_tree_that_existed_at_the_start_and_is_removed_before_the_reader_reads_reports_each_file()
    {
        using var temp = new TempDirectory("atalaya-fim-rmdir-");
        var watched = temp.Combine("conf.d");
        var nested = Path.Combine(watched, "a", "b");
        Directory.CreateDirectory(nested);
        RunShell(MakeFiles(nested));
        using var collector = Fanotify(watched);

        var remover = Run("/usr/bin/rm", "-r", watched);

        await using var run = FileSensorTests.Running.Start(collector);
        var files = FilePaths(nested);
        var seen = await ReadAfterTheFact(collector, run, [.. files, Path.Combine(watched, "a")]);

        Assert.All(files, f => Assert.Contains(seen, e => e.File!.Path == f && e.Event.Action == FileActions.Deleted && e.Process!.Pid == remover));
        Assert.Contains(seen, e => e.File!.Path == Path.Combine(watched, "a") && e.Event.Action == FileActions.Deleted);
    }

    [SkippableFact]
    public async Task A_directory_renamed_then_removed_before_the_reader_reads_reports_the_files_under_the_name_they_had()
    {
        using var temp = new TempDirectory("atalaya-fim-rmdir-");
        var before = temp.Combine("before");
        var after = temp.Combine("after");
        Directory.CreateDirectory(Path.Combine(before, "sub"));
        RunShell(MakeFiles(Path.Combine(before, "sub")));
        using var collector = Fanotify(temp.Path);
        Skip.IfNot(collector.ReportsNewDirectoryHandles, "kernel older than 5.17: moves are two unpaired events");

        RunShell($"mv {before} {after} && rm -r {after}");

        await using var run = FileSensorTests.Running.Start(collector);
        var files = FilePaths(Path.Combine(after, "sub"));
        var seen = await ReadAfterTheFact(collector, run, files);

        Assert.All(files, f => Assert.Contains(seen, e => e.File!.Path == f && e.Event.Action == FileActions.Deleted));
        Assert.DoesNotContain(run.Events, e => e.File?.Path?.StartsWith(Path.Combine(before, "sub"), StringComparison.Ordinal) == true);
    }

    [SkippableFact]
    public async Task A_directory_moved_in_from_an_unwatched_place_then_removed_reports_its_files()
    {
        using var outside = new TempDirectory("atalaya-fim-outside-");
        using var temp = new TempDirectory("atalaya-fim-rmdir-");
        var staged = outside.Combine("staged");
        Directory.CreateDirectory(staged);
        RunShell(MakeFiles(staged));
        var dropped = temp.Combine("cron.d");
        using var collector = Fanotify(dropped);
        Skip.IfNot(collector.ReportsNewDirectoryHandles, "kernel older than 5.17: no handle of a moved directory with its move");

        RunShell($"mv {staged} {dropped} && rm -r {dropped}");

        await using var run = FileSensorTests.Running.Start(collector);
        var files = FilePaths(dropped);
        var seen = await ReadAfterTheFact(collector, run, files);

        Assert.All(files, f => Assert.Contains(seen, e => e.File!.Path == f && e.Event.Action == FileActions.Deleted));
        Assert.DoesNotContain(run.Events, e => e.File?.Path?.StartsWith(outside.Path, StringComparison.Ordinal) == true);
    }

    /// <summary>
    /// One process that makes a directory and removes it: the kernel merges the mkdir and the rmdir (same
    /// name, same process) into one CREATE|DELETE event at the position of the mkdir, ahead of the events
    /// about the files inside. The directory must stay known until those are read.
    /// </summary>
    [SkippableFact]
    public async Task A_directory_made_and_removed_by_one_process_keeps_its_files_events()
    {
        Skip.IfNot(File.Exists("/usr/bin/perl"), "no perl here");
        using var temp = new TempDirectory("atalaya-fim-rmdir-");
        var work = temp.Combine("work");
        using var collector = Fanotify(work);
        Skip.IfNot(collector.ReportsNewDirectoryHandles, "kernel older than 5.17: no handle of a new directory with its creation");

        using (var perl = SpawnedProcess.Start("/usr/bin/perl", ["-e",
            $"mkdir '{work}' or die; for my $i (1..{Files}) {{ my $f = sprintf('{work}/file%02d', $i); open(my $h, '>', $f) or die; print $h $i; close $h; unlink $f or die; }} rmdir '{work}' or die;"]))
        {
            Assert.True(perl.WaitForExit(TimeSpan.FromSeconds(60)));
            Assert.True(perl.Process.ExitCode == 0, perl.StandardError);
        }

        await using var run = FileSensorTests.Running.Start(collector);
        var files = FilePaths(work);
        var seen = await ReadAfterTheFact(collector, run, files);

        Assert.All(files, f => Assert.Contains(seen, e => e.File!.Path == f && e.Event.Action == FileActions.CreatedAndDeleted));
    }

    /// <summary>
    /// The merged mkdir+rmdir events above keep their directory indexed past the event itself; once the
    /// reader has caught up it must be forgotten, or a process that makes and removes uniquely named
    /// directories (mktemp -d in /tmp) fills the index with the dead.
    /// </summary>
    [SkippableFact]
    public async Task Directories_made_and_removed_by_one_process_leave_the_index_once_read()
    {
        Skip.IfNot(File.Exists("/usr/bin/perl"), "no perl here");
        const int Directories = 100;
        using var temp = new TempDirectory("atalaya-fim-rmdir-");
        var work = temp.Combine("work");
        Directory.CreateDirectory(work);
        using var collector = Fanotify(work);
        Skip.IfNot(collector.ReportsNewDirectoryHandles, "kernel older than 5.17: no handle of a new directory with its creation");
        Assert.Equal(1, collector.IndexedDirectories);

        using (var perl = SpawnedProcess.Start("/usr/bin/perl", ["-e",
            $"for my $i (1..{Directories}) {{ my $d = sprintf('{work}/d%03d', $i); mkdir $d or die; open(my $h, '>', \"$d/f\") or die; close $h; unlink \"$d/f\" or die; rmdir $d or die; }}"]))
        {
            Assert.True(perl.WaitForExit(TimeSpan.FromSeconds(60)));
            Assert.True(perl.Process.ExitCode == 0, perl.StandardError);
        }

        await using var run = FileSensorTests.Running.Start(collector);
        string[] files = [.. Enumerable.Range(1, Directories).Select(i => Path.Combine(work, $"d{i:D3}", "f"))];
        var seen = await ReadAfterTheFact(collector, run, files);
        Assert.Equal(Directories, seen.Select(e => e.File!.Path).Distinct().Count());

        Assert.Equal(1, await Eventually.WaitForAsync(() => collector.IndexedDirectories, count => count == 1, attempts: 100));
    }
}
