using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Files;
using Atalaya.Platform.Linux.Hashing;
using Atalaya.Platform.Linux.Host;
using Atalaya.Platform.Linux.Packages;
using Atalaya.TestKit;

namespace Atalaya.Platform.Linux.Tests.Files;

/// <summary>
/// A filesystem that really refuses the fanotify filesystem mark: an overlay mounted here without
/// nfs_export has no decodable file handles, so FAN_MARK_FILESYSTEM with FID reporting fails with
/// EOPNOTSUPP (kernel 6.18 here). The overlay is mounted in a temp directory and unmounted after.
/// </summary>
public sealed class FanotifyFallbackTests
{
    private static readonly string Shell = File.Exists("/bin/sh") ? "/bin/sh" : "/usr/bin/sh";

    [SkippableFact]
    public async Task A_place_on_a_filesystem_that_refuses_the_mark_is_watched_by_inotify_beside_fanotify()
    {
        Skip.IfNot(Environment.IsPrivilegedProcess, "mounting an overlay needs root");
        using var temp = new TempDirectory("atalaya-fallback-");
        var plain = temp.Combine("plain");
        var merged = temp.Combine("merged");
        foreach (var directory in new[] { plain, merged, temp.Combine("lower"), temp.Combine("upper"), temp.Combine("work") })
        {
            Directory.CreateDirectory(directory);
        }

        using (var mount = SpawnedProcess.Start("/usr/bin/mount", ["-t", "overlay", "overlay", "-o",
                   $"lowerdir={temp.Combine("lower")},upperdir={temp.Combine("upper")},workdir={temp.Combine("work")}", merged]))
        {
            Assert.True(mount.WaitForExit(TimeSpan.FromSeconds(30)));
            Skip.If(mount.Process.ExitCode != 0, $"overlay mount refused here: {mount.StandardError}");
        }

        try
        {
            var options = new FileMonitorOptions { WatchedPaths = [plain, merged], CoalesceWindow = TimeSpan.FromMilliseconds(100) };
            using var collector = FanotifyFileCollector.TryCreate(options, TimeProvider.System, LinuxHostInfo.Read(), new ExecutableHashCache(),
                new UserNameResolver(), new DpkgDatabase(), out var reason);
            Skip.If(collector is null, $"fanotify refused here: {reason}");
            Skip.If(collector.UnmarkedPaths.Count == 0, "this kernel marks overlay filesystems: nothing falls back");

            Assert.Equal([merged], collector.UnmarkedPaths);
            Assert.Contains("EOPNOTSUPP", collector.UnmarkedReasons[merged], StringComparison.Ordinal);
            Assert.NotNull(collector.InotifyFallback);
            Assert.Equal(
                $"fanotify ({plain}) + inotify ({merged}: {merged}: filesystem mark refused (EOPNOTSUPP): no decodable file handles on this filesystem)",
                collector.Sensor);

            await using var run = FileSensorTests.Running.Start(collector);
            // The inotify side watches once its baseline is taken; write until its event shows (bounded).
            var onOverlay = Path.Combine(merged, "dropped.sh");
            var onPlain = Path.Combine(plain, "dropped.sh");
            using var child = SpawnedProcess.Start(Shell, ["-c", $"for i in 1 2 3 4 5 6 7 8 9 10; do echo $i > {onOverlay}; echo $i > {onPlain}; sleep 0.5; done"]);

            var fromInotify = await run.WaitFor(e => e.File?.Path == onOverlay);
            var fromFanotify = await run.WaitFor(e => e.File?.Path == onPlain);
            Assert.True(child.WaitForExit(TimeSpan.FromSeconds(30)));

            Assert.NotNull(fromInotify);
            Assert.Null(fromInotify.Process);
            Assert.Equal(EventCategories.File, Assert.Single(fromInotify.Event.Category));
            Assert.NotNull(fromFanotify);
            Assert.Equal(child.Pid, fromFanotify.Process!.Pid);
            Assert.True(collector.InotifyFallback.Counters.Get("watched-roots") == 1);
        }
        finally
        {
            using var umount = SpawnedProcess.Start("/usr/bin/umount", [merged]);
            umount.WaitForExit(TimeSpan.FromSeconds(30));
        }
    }
}
