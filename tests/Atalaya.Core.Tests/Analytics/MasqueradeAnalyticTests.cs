using Atalaya.Core.Analytics;
using Atalaya.Core.Schema;

namespace Atalaya.Core.Tests.Analytics;

public sealed class MasqueradeAnalyticTests
{
    private static List<Signal> Observe(EcsEvent value)
    {
        var sink = new ListSink();
        new MasqueradeAnalytic(TestCatalog.Get()).Observe(value, sink);
        return sink.Signals;
    }

    [Theory]
    [InlineData("/tmp/atalaya-x/sshd")]
    [InlineData("/dev/shm/cron")]
    [InlineData("/home/ana/.cache/systemd")]
    [InlineData("/usr/local/bin/sshd")]
    public void System_name_from_an_unexpected_path_is_masquerading(string executable)
    {
        var signal = Assert.Single(Observe(SampleEvents.Process(executable)));
        Assert.Equal(["T1036.005"], signal.Techniques);
        Assert.True(signal.Contribution >= 75, $"contribution {signal.Contribution}");
        Assert.Contains(executable, signal.Detail, StringComparison.Ordinal);
        Assert.Equal("entity-4242", signal.EntityKey);
    }

    [Theory]
    [InlineData("/usr/sbin/sshd", "sshd")]
    [InlineData("/usr/bin/sleep", "sleep")]
    [InlineData("/usr/lib/systemd/systemd", "systemd")]
    [InlineData("/usr/bin/dash", "logrotate")] // /etc/cron.daily/logrotate: a script named like its job
    [InlineData("/usr/bin/python3.11", "cron")] // a python script called cron: interpreter, not a disguise
    [InlineData("/usr/bin/busybox", "sh")] // busybox applets in containers
    [InlineData("/opt/app/worker", "worker")]
    [InlineData("/usr/lib/systemd/systemd-journald", "systemd-journal")] // comm cut at 15 characters
    public void Expected_locations_and_legitimate_renames_are_quiet(string executable, string name) =>
        Assert.Empty(Observe(SampleEvents.Process(executable, name)));

    [Fact]
    public void A_binary_renaming_itself_to_a_system_name_is_flagged()
    {
        var signal = Assert.Single(Observe(SampleEvents.Process("/home/ana/miner", "sshd")));
        Assert.Contains("calls itself sshd", signal.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Process_end_events_and_kernel_threads_are_ignored()
    {
        Assert.Empty(Observe(SampleEvents.Process("/tmp/sshd", kind: EventKinds.Event, type: EventTypes.End)));
        var kernelThread = SampleEvents.Process("/x") with { Process = new ProcessFields { Pid = 2, Name = "kthreadd" } };
        Assert.Empty(Observe(kernelThread));
    }

    [Fact]
    public void The_shipped_catalog_loads()
    {
        var catalog = TestCatalog.Get();
        Assert.True(catalog.Count >= 30);
        Assert.True(catalog.TryGet("sshd", out var sshd));
        Assert.True(sshd.IsExpectedPath("/usr/sbin/sshd"));
        Assert.True(catalog.IsInterpreter("python3.12"));
    }

    [Theory]
    [InlineData("binaries: [", "line")]
    [InlineData("- just a list", "mapping")]
    [InlineData("binaries:\n  - paths: [/x]\n", "no name")]
    [InlineData("binaries:\n  - name: x\n", "no expected paths")]
    [InlineData("binaries:\n  - plain\n", "line 2")]
    public void A_broken_catalog_is_a_clear_error(string yaml, string expected)
    {
        var error = Assert.Throws<CatalogException>(() => SystemBinaryCatalog.Parse(yaml));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}

internal sealed class ListSink : ISignalSink
{
    public List<Signal> Signals { get; } = [];

    public void Emit(Signal signal) => Signals.Add(signal);
}
