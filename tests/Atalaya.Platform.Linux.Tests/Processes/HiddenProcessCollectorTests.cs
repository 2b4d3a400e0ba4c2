using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Host;
using Atalaya.Platform.Linux.Processes;
using Atalaya.TestKit;

namespace Atalaya.Platform.Linux.Tests.Processes;

/// <summary>
/// Real processes and the real kill()/proc checks; only the /proc listing is replaced, playing the
/// rootkit that filters getdents.
/// </summary>
public sealed class HiddenProcessCollectorTests
{
    private static readonly LinuxHostInfo Host = LinuxHostInfo.Read();

    private static HiddenProcessCollector Create(Func<IEnumerable<int>> listing) =>
        new(new HiddenProcessCollectorOptions { SweepSize = 40_000 }, TimeProvider.System, Host, listing);

    private static IEnumerable<int> RealListing() => ProcfsProcessCollector.EnumeratePids("/proc");

    [Fact]
    public void A_process_missing_from_the_listing_is_reported_once()
    {
        using var sleeper = SpawnedProcess.Start("/usr/bin/sleep", ["30"]);
        var collector = Create(() => RealListing().Where(p => p != sleeper.Pid));

        var found = collector.Sweep(CancellationToken.None);

        var hidden = Assert.Single(found);
        Assert.Equal(sleeper.Pid, hidden.Process!.Pid);
        Assert.Equal(HiddenProcessCollector.ActionHidden, hidden.Event.Action);
        Assert.True(hidden.Atalaya!.Process!.Hidden);
        Assert.Equal("/usr/bin/sleep", hidden.Process.Executable);
        Assert.Equal(["/usr/bin/sleep", "30"], hidden.Process.Args);
        Assert.Equal(Environment.ProcessId, hidden.Process.Parent!.Pid);
        Assert.Equal(32, hidden.Process.EntityId!.Length);
        Assert.Empty(collector.Sweep(CancellationToken.None));
        Assert.Equal(1, collector.Counters.Get("hidden_found"));
    }

    [Fact]
    public void The_honest_listing_reports_nothing_even_with_threads_and_churn()
    {
        // This test process has many threads (each answers kill), and a loop keeps creating processes.
        using var churn = SpawnedProcess.Start("/bin/bash", ["-c", "for ((i = 0; i < 2000; i++)); do /bin/true; done"]);
        var collector = Create(RealListing);
        for (var i = 0; i < 3; i++)
        {
            Assert.Empty(collector.Sweep(CancellationToken.None));
        }

        Assert.True(collector.Counters.Get("pids_probed") > 1000);
    }

    [Fact]
    public void A_suspect_that_a_second_listing_shows_is_cleared()
    {
        using var sleeper = SpawnedProcess.Start("/usr/bin/sleep", ["30"]);
        var calls = 0;

        // The first listing misses it (born during the walk); the confirmation listing has it.
        var collector = Create(() => calls++ % 2 == 0 ? RealListing().Where(p => p != sleeper.Pid) : RealListing());

        Assert.Empty(collector.Sweep(CancellationToken.None));
        Assert.True(collector.Counters.Get("suspects_cleared") >= 1);
    }
}
