using Atalaya.Core.Incidents;
using Atalaya.Core.Schema;

namespace Atalaya.Core.Tests.Incidents;

/// <summary>
/// A synthetic tree: systemd(1) → sshd(/usr/sbin/sshd, 500) → bash(900) → sh /tmp/x/run.sh(1000)
/// → /tmp/x/sshd(1001) and /tmp/x/listener(1002); an unrelated /opt/app/tool(2000) under systemd.
/// </summary>
public sealed class IncidentCorrelatorTests
{
    private static readonly DateTimeOffset T0 = SampleEvents.Now;

    private static readonly AncestorFields[] ScriptAncestry =
    [
        new() { Pid = 1000, Executable = "/usr/bin/dash" },
        new() { Pid = 900, Executable = "/usr/bin/bash" },
        new() { Pid = 500, Executable = "/usr/sbin/sshd" },
        new() { Pid = 1, Executable = "/usr/lib/systemd/systemd" },
    ];

    private static EcsEvent Alert(string id, int pid, string executable, int score, string domain, TimeSpan at,
        IReadOnlyList<AncestorFields>? ancestry = null, int? parentPid = null, string verdict = "suspicious") => new()
    {
        Timestamp = T0 + at,
        Event = new EventFields { Kind = EventKinds.Alert, Category = [domain == "network" ? EventCategories.Network : EventCategories.Process], Type = [EventTypes.Info], RiskScore = score, Start = T0 + at },
        Process = new ProcessFields { Pid = pid, Executable = executable, Parent = parentPid is { } p ? new ProcessFields { Pid = p } : null },
        Atalaya = new AtalayaFields
        {
            AlertId = id,
            Verdict = verdict,
            Evidence = [new EvidenceItem { Signal = "rule." + id, Weight = score, Confidence = 1, Detail = id + " detail", Domain = domain }],
            Process = ancestry is null ? null : new AtalayaProcessFields { Ancestry = ancestry },
        },
    };

    [Fact]
    public void Alerts_on_one_tree_merge_even_when_one_knows_only_its_parent()
    {
        var masquerade = Alert("al-sshd", 1001, "/tmp/x/sshd", 80, "process", TimeSpan.Zero, ScriptAncestry);
        var listener = Alert("al-listen", 1002, "/tmp/x/listener", 54, "network", TimeSpan.FromSeconds(20), parentPid: 1000);
        var unrelated = Alert("al-tool", 2000, "/opt/app/tool", 40, "process", TimeSpan.FromSeconds(10),
            [new AncestorFields { Pid = 1, Executable = "/usr/lib/systemd/systemd" }]);

        var incidents = new IncidentCorrelator().Correlate([listener, unrelated, masquerade]);

        Assert.Equal(2, incidents.Count);
        var incident = incidents.Single(i => i.AlertIds.Count == 2);
        Assert.Equal(["al-sshd", "al-listen"], incident.AlertIds);
        Assert.Equal(new IncidentProcess(900, "/usr/bin/bash"), incident.Root); // cut below the system sshd
        Assert.Equal(["process", "network"], incident.Domains);
        Assert.Equal(T0, incident.Start);
        Assert.Equal(T0 + TimeSpan.FromSeconds(20), incident.End);
        // noisy-OR: 1 - (0.2 × 0.46) = 0.908 → 90.8, + 10 for two domains = 100.8 → 100.
        Assert.Equal(100, incident.Score);
        Assert.Equal("likely malicious", incident.Verdict);
        Assert.Equal("critical", incident.Severity);
        Assert.Equal(
            [
                new IncidentTimelineEntry(T0, "process", 1001, "/tmp/x/sshd", "rule.al-sshd", "al-sshd detail", "al-sshd"),
                new IncidentTimelineEntry(T0 + TimeSpan.FromSeconds(20), "network", 1002, "/tmp/x/listener", "rule.al-listen", "al-listen detail", "al-listen"),
            ],
            incident.Timeline);
        var alone = incidents.Single(i => i.AlertIds.Count == 1);
        Assert.Equal(new IncidentProcess(2000, "/opt/app/tool"), alone.Root);
        Assert.Equal(40, alone.Score);
        Assert.StartsWith("in-", alone.Id, StringComparison.Ordinal);
    }

    [Fact]
    public void Alerts_further_apart_than_the_window_are_separate_incidents()
    {
        var first = Alert("al-a", 1001, "/tmp/x/sshd", 60, "process", TimeSpan.Zero, ScriptAncestry);
        var late = Alert("al-b", 1002, "/tmp/x/listener", 60, "process", TimeSpan.FromMinutes(6), ScriptAncestry);

        Assert.Equal(2, new IncidentCorrelator().Correlate([first, late]).Count);
        Assert.Single(new IncidentCorrelator(TimeSpan.FromMinutes(10)).Correlate([first, late]));
    }

    [Fact]
    public void A_confirmed_member_confirms_the_incident_and_a_bridge_alert_merges_two_groups()
    {
        var left = Alert("al-l", 1001, "/tmp/x/a", 30, "process", TimeSpan.Zero, [new AncestorFields { Pid = 700, Executable = "/tmp/x/p" }]);
        var right = Alert("al-r", 1002, "/tmp/x/b", 30, "file", TimeSpan.FromSeconds(1), [new AncestorFields { Pid = 800, Executable = "/tmp/x/q" }]);
        var bridge = Alert("al-x", 700, "/tmp/x/p", 95, "network", TimeSpan.FromSeconds(2),
            [new AncestorFields { Pid = 800, Executable = "/tmp/x/q" }], verdict: "confirmed malicious");

        var incident = Assert.Single(new IncidentCorrelator().Correlate([left, right, bridge]));

        Assert.Equal(3, incident.AlertIds.Count);
        Assert.Equal("confirmed malicious", incident.Verdict);
        Assert.Equal(["process", "network", "file"], incident.Domains);
        Assert.Equal(new IncidentProcess(800, "/tmp/x/q"), incident.Root);
    }

    [Fact]
    public void Alerts_without_a_process_or_on_system_processes_stand_alone_and_non_alerts_are_ignored()
    {
        var file = Alert("al-f", 0, "", 50, "persistence", TimeSpan.Zero) with { Process = null };
        var cron = Alert("al-c", 300, "/usr/sbin/cron", 50, "persistence", TimeSpan.Zero);
        var plain = SampleEvents.Process("/tmp/x/sshd");

        var incidents = new IncidentCorrelator().Correlate([file, cron, plain]);

        Assert.Equal(2, incidents.Count);
        Assert.All(incidents, i => Assert.Null(i.Root));
    }
}
