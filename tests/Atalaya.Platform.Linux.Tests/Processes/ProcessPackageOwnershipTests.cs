using System.Diagnostics;
using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Hashing;
using Atalaya.Platform.Linux.Host;
using Atalaya.Platform.Linux.Packages;
using Atalaya.Platform.Linux.Processes;
using Atalaya.TestKit;
using Xunit.Abstractions;

namespace Atalaya.Platform.Linux.Tests.Processes;

/// <summary>On the real dpkg database and real processes: a packaged binary and an unpackaged copy of it.</summary>
public sealed class ProcessPackageOwnershipTests(ITestOutputHelper output)
{
    private static readonly LinuxHostInfo Host = LinuxHostInfo.Read();

    [SkippableFact]
    public void Process_events_name_the_package_of_the_executable_and_an_unpackaged_copy_is_checked_and_owned_by_none()
    {
        var packages = new DpkgDatabase();
        Skip.IfNot(packages.IsAvailable, "this host has no dpkg database");
        Skip.If(packages.FindOwner("/usr/bin/sleep")?.Name != "coreutils", "/usr/bin/sleep is not owned by coreutils here");
        using var temp = new TempDirectory();
        var copy = temp.Combine("sleep");
        File.Copy("/usr/bin/sleep", copy);
        File.SetUnixFileMode(copy, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
        using var packaged = SpawnedProcess.Start("/usr/bin/sleep", ["30"]);
        using var unpackaged = SpawnedProcess.Start(copy, ["30"]);
        var collector = new ProcfsProcessCollector(new ProcfsProcessCollectorOptions { Packages = packages }, TimeProvider.System, Host,
            new ExecutableHashCache(), new UserNameResolver());

        var events = collector.TakeSnapshot(CancellationToken.None);

        var fromPackage = Assert.Single(events, e => e.Process!.Pid == packaged.Pid);
        Assert.Equal("/usr/bin/sleep", fromPackage.Process!.Executable);
        Assert.Equal("coreutils", fromPackage.Atalaya!.Process!.Package);
        Assert.True(fromPackage.Atalaya.Process.Packaged);
        var fromNowhere = Assert.Single(events, e => e.Process!.Pid == unpackaged.Pid);
        Assert.Equal(copy, fromNowhere.Process!.Executable);
        Assert.Null(fromNowhere.Atalaya!.Process!.Package);
        Assert.False(fromNowhere.Atalaya.Process.Packaged);
        Assert.True(collector.Counters.Get("package-lookups") >= 2);

        // Kernel threads have no executable to look up: neither field is set, and they are not counted as unowned.
        var kthreadd = Assert.Single(events, e => e.Process!.Pid == 2);
        Assert.Null(kthreadd.Atalaya!.Process!.Packaged);
    }

    [Fact]
    public void Without_a_package_database_ownership_is_not_claimed_either_way()
    {
        using var empty = new TempDirectory();
        using var sleeper = SpawnedProcess.Start("/usr/bin/sleep", ["30"]);
        var collector = new ProcfsProcessCollector(new ProcfsProcessCollectorOptions { Packages = new DpkgDatabase(empty.Path) },
            TimeProvider.System, Host, new ExecutableHashCache(), new UserNameResolver());

        var sleep = Assert.Single(collector.TakeSnapshot(CancellationToken.None), e => e.Process!.Pid == sleeper.Pid);

        Assert.Null(sleep.Atalaya!.Process!.Package);
        Assert.Null(sleep.Atalaya.Process.Packaged);
        Assert.Equal(0, collector.Counters.Get("package-lookups"));
    }

    /// <summary>
    /// The cost of one ownership lookup once the map is built, over every executable in /usr/bin (owned
    /// ones, usr-merge aliases and unowned ones alike). Printed, not asserted: the machine is shared.
    /// </summary>
    [SkippableFact]
    public void Lookup_cost_over_usr_bin_is_reported()
    {
        var packages = new DpkgDatabase();
        Skip.IfNot(packages.IsAvailable, "this host has no dpkg database");
        var build = Stopwatch.StartNew();
        var owned = packages.OwnedPathCount;
        build.Stop();
        var paths = Directory.GetFiles("/usr/bin");
        const int Rounds = 20;
        var found = 0;
        var watch = Stopwatch.StartNew();
        for (var round = 0; round < Rounds; round++)
        {
            foreach (var path in paths)
            {
                found += packages.FindOwner(path) is null ? 0 : 1;
            }
        }

        watch.Stop();
        var lookups = (double)Rounds * paths.Length;
        Assert.True(found > 0);
        output.WriteLine($"dpkg map: {owned:N0} paths built in {build.Elapsed.TotalMilliseconds:N0} ms; " +
            $"{lookups:N0} lookups over {paths.Length} /usr/bin files: {watch.Elapsed.TotalMicroseconds / lookups:N3} µs per lookup " +
            $"({found / Rounds} owned); load {File.ReadAllText("/proc/loadavg").Trim()}");
    }
}
