using Atalaya.Core.Analytics;

namespace Atalaya.Core.Tests.Analytics;

public sealed class PathAndNetworkAnalyticsTests
{
    [Fact]
    public void Running_from_tmp_is_low_risk_evidence()
    {
        var sink = new ListSink();
        new ExecutionPathAnalytic().Observe(SampleEvents.Process("/tmp/build/a.out"), sink);
        var signal = Assert.Single(sink.Signals);
        Assert.Equal("atalaya.analytic.execution-path.temporary-directory", signal.SourceId);
        Assert.InRange(signal.Contribution, 25, 49);
        Assert.Contains("/tmp", signal.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Hidden_directory_adds_its_own_signal_and_deletion_is_left_to_its_analytic()
    {
        var sink = new ListSink();
        new ExecutionPathAnalytic().Observe(SampleEvents.Process("/dev/shm/.x/kworker", deleted: true), sink);
        Assert.Equal(
            ["temporary-directory", "hidden-directory"],
            sink.Signals.Select(s => s.SourceId.Split('.').Last()));
    }

    [Theory]
    [InlineData("/usr/bin/sleep")]
    [InlineData("/usr/lib/tmpfiles.d/x")]
    [InlineData("/home/ana/.bashrc")] // a dot file itself is not a hidden directory
    public void Ordinary_paths_are_quiet(string executable)
    {
        var sink = new ListSink();
        new ExecutionPathAnalytic().Observe(SampleEvents.Process(executable), sink);
        Assert.Empty(sink.Signals);
    }

    [Fact]
    public void User_writable_program_listening_on_all_interfaces_is_medium()
    {
        var sink = new ListSink();
        new ExposedListenerAnalytic().Observe(SampleEvents.Listener("/tmp/x/bindshell", 77, "all-interfaces"), sink);
        var signal = Assert.Single(sink.Signals);
        Assert.InRange(signal.Contribution, 50, 74);
        Assert.Equal(["T1571"], signal.Techniques);
        Assert.Contains("4444", signal.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/tmp/x/devserver", "loopback")]
    [InlineData("/usr/sbin/sshd", "all-interfaces")]
    public void Loopback_or_packaged_listeners_are_quiet(string executable, string exposure)
    {
        var sink = new ListSink();
        new ExposedListenerAnalytic().Observe(SampleEvents.Listener(executable, 77, exposure), sink);
        Assert.Empty(sink.Signals);
    }

    [Theory]
    [InlineData("/tmp/x/payload", "8.8.8.8", true)]
    [InlineData("/tmp/x/payload", "192.168.1.10", false)]
    [InlineData("/usr/bin/curl", "8.8.8.8", false)]
    public void Egress_from_user_writable_programs_to_public_addresses(string executable, string ip, bool expected)
    {
        var sink = new ListSink();
        new UserWritableEgressAnalytic().Observe(SampleEvents.Connection(executable, 5, ip, 443), sink);
        Assert.Equal(expected, sink.Signals.Count == 1);
    }
}
