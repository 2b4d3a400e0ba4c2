using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Files;
using Atalaya.Platform.Linux.Hashing;
using Atalaya.Platform.Linux.Host;
using Atalaya.Platform.Linux.Packages;
using Atalaya.TestKit;

namespace Atalaya.Platform.Linux.Tests.Files;

public sealed class PackageManagerBatchTests
{
    [Theory]
    [InlineData(new[] { "/usr/bin/dpkg", "--status-fd", "23", "--no-triggers", "--unpack", "--auto-deconfigure",
        "/var/cache/apt/archives/openssh-server_1%3a9.2p1-2+deb12u3_amd64.deb", "/var/cache/apt/archives/libssl3_3.0.15-1_amd64.deb" },
        new[] { "libssl3", "openssh-server" })]
    [InlineData(new[] { "dpkg", "-i", "/tmp/atalaya-test-batch_1.0_all.deb" }, new[] { "atalaya-test-batch" })]
    [InlineData(new[] { "/usr/bin/dpkg", "--status-fd", "23", "--no-triggers", "--remove", "libfoo:amd64", "bar" }, new[] { "bar", "libfoo" })]
    [InlineData(new[] { "dpkg", "-P", "baz", "--force-depends" }, new[] { "baz" })]
    [InlineData(new[] { "rpm", "-Uvh", "/root/nginx-1.24.0-1.el9.x86_64.rpm" }, new string[0])]
    // Hostile or meaningless operands name nothing: upper case, shell metacharacters, a bare .deb, an install operand.
    [InlineData(new[] { "dpkg", "-r", "Evil;rm -rf /", "-i", "/tmp/.deb", "../x" }, new string[0])]
    [InlineData(new[] { "apt-get", "install", "-y", "curl" }, new string[0])]
    public void Package_names_come_from_deb_files_and_removal_operands(string[] args, string[] expected)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);

        PackageManagerBatch.AddPackagesFromArguments(args, names);

        Assert.Equal(expected, names);
    }

    [Fact]
    public void Batch_counts_by_outcome_keeps_the_first_paths_and_each_writer_once()
    {
        var dpkg = new ProcessFields { Pid = 100, Name = "dpkg", Executable = "/usr/bin/dpkg", Args = ["dpkg", "-i", "/tmp/a_1_all.deb"] };
        var batch = new PackageManagerBatch(firstTimestamp: 10, samplePaths: 2);

        batch.Add(Change("/usr/bin/new", FileOperation.Create | FileOperation.CloseWrite, dpkg), existsNow: true, existedBefore: false, now: 11);
        batch.Add(Change("/usr/bin/old", FileOperation.Create | FileOperation.MovedTo, dpkg, "/usr/bin/old.dpkg-new"), existsNow: true, existedBefore: true, now: 12);
        batch.Add(Change("/usr/bin/gone", FileOperation.Delete, dpkg), existsNow: false, existedBefore: true, now: 13);
        batch.Add(Change("/usr/bin/unknown", FileOperation.Modify, dpkg with { Pid = 101, Args = ["dpkg", "-r", "b"] }), existsNow: null, existedBefore: null, now: 12);

        Assert.Equal(1, batch.Created);
        Assert.Equal(2, batch.Modified);
        Assert.Equal(1, batch.Deleted);
        Assert.Equal(4, batch.Files);
        Assert.Equal(8, batch.RawEvents);
        Assert.Equal(10, batch.FirstTimestamp);
        Assert.Equal(13, batch.LastTimestamp);
        Assert.Equal(["/usr/bin/new", "/usr/bin/old"], batch.SamplePaths);
        Assert.Equal(["/usr/bin/new", "/usr/bin/old", "/usr/bin/unknown"], batch.ProbePaths);
        Assert.Equal([100, 101], batch.Writers.Select(w => w.Pid));
        Assert.Equal(["a", "b"], batch.Packages);
    }

    /// <summary>
    /// dpkg unpacks every file as NAME.dpkg-new and renames them all over their names at the end. When the
    /// unpack is slow (a loaded host, a big package) and the reader keeps up, the coalescing window of
    /// NAME.dpkg-new closes before its rename is read: at the stat it is gone, though nothing in its own
    /// events removed it. It is neither a creation nor a deletion: the rename's target counts.
    /// </summary>
    [Fact]
    public void A_temporary_name_renamed_away_after_its_window_closed_is_not_a_deletion()
    {
        var dpkg = new ProcessFields { Pid = 100, Name = "dpkg", Executable = "/usr/bin/dpkg", Args = ["dpkg", "-i", "/tmp/a_1_all.deb"] };
        var batch = new PackageManagerBatch(firstTimestamp: 10, samplePaths: 20);

        batch.Add(Change("/usr/share/a/f.dpkg-new", FileOperation.Create | FileOperation.Modify | FileOperation.CloseWrite, dpkg),
            existsNow: false, existedBefore: false, now: 11);
        batch.Add(Change("/usr/share/a/f", FileOperation.MovedTo, dpkg, "/usr/share/a/f.dpkg-new"), existsNow: true, existedBefore: false, now: 12);
        batch.Add(Change("/usr/share/a/old", FileOperation.Delete, dpkg), existsNow: false, existedBefore: true, now: 13);

        Assert.Equal((1, 0, 1, 1), (batch.Created, batch.Modified, batch.Deleted, batch.Superseded));
        Assert.Equal(["/usr/share/a/f", "/usr/share/a/old"], batch.SamplePaths);
        Assert.Equal(["/usr/share/a/f"], batch.ProbePaths);
        Assert.Equal(6, batch.RawEvents);
    }

    [Fact]
    public void Only_a_package_manager_writer_is_batched()
    {
        Assert.True(PackageManagerBatch.IsPackageManagerChange(Change("/etc/x", FileOperation.Modify, new ProcessFields { Name = "dpkg" })));
        Assert.True(PackageManagerBatch.IsPackageManagerChange(Change("/etc/x", FileOperation.Modify, new ProcessFields { Name = "x", Executable = "/usr/bin/rpm" })));
        Assert.False(PackageManagerBatch.IsPackageManagerChange(Change("/etc/x", FileOperation.Modify, new ProcessFields { Name = "sh", Executable = "/usr/bin/dash" })));
        Assert.False(PackageManagerBatch.IsPackageManagerChange(Change("/etc/x", FileOperation.Modify, null)));
    }

    private static CoalescedFileChange Change(string path, FileOperation operations, ProcessFields? writer, string? oldPath = null) => new()
    {
        Path = path,
        Operations = operations,
        First = (operations & FileOperation.Create) != 0 ? FileOperation.Create : operations,
        Last = (operations & FileOperation.Delete) != 0 ? FileOperation.Delete : operations,
        IsDirectory = false,
        Count = 2,
        FirstTimestamp = 0,
        OldPath = oldPath,
        WriterPid = writer?.Pid,
        Writer = writer,
    };

    /// <summary>
    /// The real thing: a .deb built here with dpkg-deb (40 files under /usr/local/share/atalaya-test-batch),
    /// installed with dpkg -i and removed with dpkg -r while fanotify watches that directory. Each run is
    /// one batch event naming the package, and no per-file event. The package is removed in every case.
    /// </summary>
    [SkippableFact]
    public async Task A_real_dpkg_install_and_removal_are_one_batch_event_each()
    {
        const string Package = "atalaya-test-batch";
        const string Installed = "/usr/local/share/" + Package;
        var packages = new DpkgDatabase();
        Skip.IfNot(packages.IsAvailable && File.Exists("/usr/bin/dpkg-deb") && File.Exists("/usr/bin/dpkg"), "no dpkg here");
        Skip.If(packages.FindOwner(Installed) is not null || Directory.Exists(Installed), $"{Installed} already exists: not touching it");
        using var temp = new TempDirectory("atalaya-deb-");
        Directory.CreateDirectory(temp.Combine("pkg", "DEBIAN"));
        File.WriteAllText(temp.Combine("pkg", "DEBIAN", "control"),
            $"Package: {Package}\nVersion: 1.0\nArchitecture: all\nMaintainer: Atalaya tests <tests@atalaya.invalid>\nDescription: test package for the FIM batch test\n");
        Directory.CreateDirectory(temp.Combine("pkg", "usr", "local", "share", Package));
        for (var i = 0; i < 40; i++)
        {
            File.WriteAllText(temp.Combine("pkg", "usr", "local", "share", Package, $"file{i:D2}.txt"), $"content {i}\n");
        }

        var deb = temp.Combine($"{Package}_1.0_all.deb");
        using (var build = SpawnedProcess.Start("/usr/bin/dpkg-deb", ["--root-owner-group", "--build", temp.Combine("pkg"), deb]))
        {
            Assert.True(build.WaitForExit(TimeSpan.FromSeconds(60)), "dpkg-deb did not finish");
            Assert.True(build.Process.ExitCode == 0, build.StandardError);
        }

        var options = new FileMonitorOptions
        {
            WatchedPaths = [Installed],
            CoalesceWindow = TimeSpan.FromMilliseconds(100),
            PackageBatchQuiet = TimeSpan.FromSeconds(1),
        };
        using var collector = FanotifyFileCollector.TryCreate(options, TimeProvider.System, LinuxHostInfo.Read(), new ExecutableHashCache(),
            new UserNameResolver(), packages, out var reason);
        Skip.If(collector is null, $"fanotify refused here: {reason}");
        await using var run = FileSensorTests.Running.Start(collector);
        try
        {
            // Let the reader thread and the baseline start before dpkg writes.
            await Task.Delay(300);
            using (var install = SpawnedProcess.Start("/usr/bin/dpkg", ["-i", deb]))
            {
                Assert.True(install.WaitForExit(TimeSpan.FromSeconds(120)), "dpkg -i did not finish");
                Skip.If(install.Process.ExitCode != 0 && install.StandardError.Contains("lock", StringComparison.Ordinal),
                    $"the dpkg lock is held by another process: {install.StandardError}");
                Assert.True(install.Process.ExitCode == 0, install.StandardError);
            }

            var installed = await run.WaitFor(e => e.Event.Action == FileActions.PackageManagerBatch && e.Atalaya?.File?.BatchCreated > 0);
            Assert.NotNull(installed);
            Assert.Equal([EventCategories.File, EventCategories.Package], installed.Event.Category);
            Assert.Equal("dpkg", installed.Process!.Name);
            Assert.Equal("/usr/bin/dpkg", installed.Process.Executable);
            Assert.Contains(Package, installed.Atalaya!.File!.BatchPackages!);
            Assert.True(installed.Atalaya.File.BatchCreated >= 40, $"created: {installed.Atalaya.File.BatchCreated}");
            Assert.True(installed.Atalaya.File.BatchDeleted == 0,
                $"deleted: {installed.Atalaya.File.BatchDeleted}; paths: {string.Join(", ", installed.Atalaya.File.BatchPaths ?? [])}");
            Assert.Equal(20, installed.Atalaya.File.BatchPaths!.Count);
            Assert.All(installed.Atalaya.File.BatchPaths, p => Assert.StartsWith(Installed, p, StringComparison.Ordinal));
            Assert.Contains(Package, installed.Event.Reason, StringComparison.Ordinal);

            var beforeRemoval = run.Events.Count;
            using (var remove = SpawnedProcess.Start("/usr/bin/dpkg", ["-r", Package]))
            {
                Assert.True(remove.WaitForExit(TimeSpan.FromSeconds(120)), "dpkg -r did not finish");
                Assert.True(remove.Process.ExitCode == 0, remove.StandardError);
            }

            // On a loaded host one removal can span more than one quiet period, and the install's
            // tail (dpkg's own bookkeeping) can close after the removal began: count the deletions
            // of every batch since the removal started.
            List<EcsEvent> RemovalBatches() =>
                [.. run.Events.Skip(beforeRemoval).Where(e => e.Event.Action == FileActions.PackageManagerBatch && e.Atalaya?.File?.BatchDeleted > 0)];
            var removed = await Eventually.WaitForAsync(RemovalBatches, b => b.Sum(e => e.Atalaya!.File!.BatchDeleted ?? 0) >= 40, attempts: 300);
            // On a loaded host dpkg -r used to finish before the reader read its first deletion: the
            // directory was gone, its handle no longer opened (ESTALE) and every file deletion was dropped,
            // only the directory's own (named by its parent) arriving. The sensor now indexes the handles
            // of watched directories while they exist (RemovedDirectoryTests pins that deterministically),
            // and a dpkg that exited before its last events were read is still named dpkg (WriterResolverTests).
            Assert.True(removed.Sum(e => e.Atalaya!.File!.BatchDeleted ?? 0) >= 40,
                $"removal not batched: deleted: {string.Join(", ", removed.Select(e => e.Atalaya!.File!.BatchDeleted))}; events since the removal began: "
                + string.Join(", ", run.Events.Skip(beforeRemoval).Select(e => $"{e.Event.Action} {e.Process?.Pid} {e.Process?.Name} {e.File?.Path}").Take(20))
                + "; counters: " + string.Join(", ", collector.Counters.Snapshot().Select(kv => $"{kv.Key}={kv.Value}")));
            Assert.Contains(removed, e => e.Atalaya!.File!.BatchPackages?.Contains(Package) == true);

            Assert.DoesNotContain(run.Events, e => e.File?.Path is { } path && path.StartsWith(Installed, StringComparison.Ordinal));
            Assert.True(collector.Counters.Get("package-batches") >= 2);
        }
        finally
        {
            if (new DpkgDatabase().FindOwner(Installed) is not null)
            {
                using var cleanup = SpawnedProcess.Start("/usr/bin/dpkg", ["-P", Package]);
                cleanup.WaitForExit(TimeSpan.FromSeconds(120));
            }
        }
    }
}
