using Atalaya.Core.Incidents;
using Atalaya.Core.Schema;
using Atalaya.TestKit;

namespace Atalaya.Storage.Tests;

/// <summary>Incidents written through <see cref="IncidentRecordingStore"/> as alerts arrive, read back from real SQLite.</summary>
public sealed class IncidentStoreTests
{
    private static readonly DateTimeOffset T0 = SampleEvents.T0;

    private static readonly AncestorFields[] ScriptAncestry =
    [
        new() { Pid = 1000, Executable = "/usr/bin/dash" },
        new() { Pid = 900, Executable = "/usr/bin/bash" },
        new() { Pid = 500, Executable = "/usr/sbin/sshd" },
    ];

    private static EcsEvent Alert(string id, int pid, string executable, int score, string domain, TimeSpan at,
        IReadOnlyList<AncestorFields>? ancestry = null, int? parentPid = null) => new()
    {
        Timestamp = T0 + at,
        Event = new EventFields { Kind = EventKinds.Alert, Category = [EventCategories.Process], Type = [EventTypes.Info], RiskScore = score, Start = T0 + at, Dataset = Datasets.Alert },
        Process = new ProcessFields { Pid = pid, Executable = executable, Parent = parentPid is { } p ? new ProcessFields { Pid = p } : null },
        Atalaya = new AtalayaFields
        {
            AlertId = id,
            Verdict = "suspicious",
            Evidence = [new EvidenceItem { Signal = "rule." + id, Weight = score, Confidence = 1, Detail = id + " detail", Domain = domain }],
            Process = ancestry is null ? null : new AtalayaProcessFields { Ancestry = ancestry },
        },
    };

    [Fact]
    public void An_incident_is_stored_with_every_field_and_grows_under_the_same_id()
    {
        using var dir = new TempDirectory();
        using var store = SqliteEventStore.Open(dir.Path);
        var recording = new IncidentRecordingStore(store);

        recording.Append([SampleEvents.Event(T0), Alert("al-sshd", 1001, "/tmp/x/sshd", 80, "process", TimeSpan.Zero, ScriptAncestry)]);
        var first = Assert.Single(store.ListIncidents());
        Assert.Equal(["al-sshd"], first.AlertIds);
        Assert.Equal(80, first.Score);
        Assert.Equal("likely malicious", first.Verdict);
        Assert.Equal("high", first.Severity);
        Assert.Equal(new IncidentProcess(900, "/usr/bin/bash"), first.Root);
        Assert.Equal(T0, first.Start);
        Assert.Equal(T0, first.End);
        Assert.Equal(["process"], first.Domains);
        Assert.Equal([new IncidentTimelineEntry(T0, "process", 1001, "/tmp/x/sshd", "rule.al-sshd", "al-sshd detail", "al-sshd")], first.Timeline);

        recording.Append([Alert("al-listen", 1002, "/tmp/x/listener", 54, "network", TimeSpan.FromSeconds(20), parentPid: 1000)]);
        var grown = Assert.Single(store.ListIncidents());
        Assert.Equal(first.Id, grown.Id);
        Assert.Equal(["al-sshd", "al-listen"], grown.AlertIds);
        Assert.Equal(100, grown.Score);
        Assert.Equal(T0 + TimeSpan.FromSeconds(20), grown.End);
        Assert.Equal(["process", "network"], grown.Domains);
        Assert.Equal(2, grown.Timeline.Count);

        // Read back by another process's read-only store, as `atalaya incidents` does.
        using var reader = SqliteEventStore.OpenReadOnly(dir.Path);
        Assert.Equal(grown, Assert.Single(reader.ListIncidents()), IncidentComparer.Instance);
        Assert.Empty(reader.ListIncidents(since: T0 + TimeSpan.FromMinutes(1)));
        Assert.Equal(0, recording.IncidentWriteErrors);
    }

    [Fact]
    public void Two_incidents_joined_by_a_later_alert_become_one_and_the_absorbed_row_is_deleted()
    {
        using var dir = new TempDirectory();
        using var store = SqliteEventStore.Open(dir.Path);
        var recording = new IncidentRecordingStore(store);

        recording.Append([Alert("al-a", 1001, "/tmp/x/a", 60, "process", TimeSpan.Zero, ScriptAncestry)]);
        recording.Append([Alert("al-b", 3000, "/tmp/y/b", 40, "process", TimeSpan.FromSeconds(10), parentPid: 2999)]);
        Assert.Equal(2, store.ListIncidents().Count);

        // al-c's ancestry names both trees' processes (3000 under 1000): one incident now.
        recording.Append([Alert("al-c", 3001, "/tmp/y/c", 50, "file", TimeSpan.FromSeconds(30),
            [new AncestorFields { Pid = 3000, Executable = "/tmp/y/b" }, .. ScriptAncestry])]);
        var merged = Assert.Single(store.ListIncidents());
        Assert.Equal(["al-a", "al-b", "al-c"], merged.AlertIds.Order(StringComparer.Ordinal));
        Assert.Equal(new IncidentCorrelator().Correlate([
            Alert("al-a", 1001, "/tmp/x/a", 60, "process", TimeSpan.Zero, ScriptAncestry)]).Single().Id, merged.Id);
    }

    [Fact]
    public void A_failed_incident_write_goes_again_with_the_next_alert_including_the_merge_delete()
    {
        using var dir = new TempDirectory();
        using var store = SqliteEventStore.Open(dir.Path);
        var recording = new IncidentRecordingStore(store);
        recording.Append([Alert("al-a", 1001, "/tmp/x/a", 60, "process", TimeSpan.Zero, ScriptAncestry)]);
        recording.Append([Alert("al-b", 3000, "/tmp/y/b", 40, "process", TimeSpan.FromSeconds(10), parentPid: 2999)]);
        Assert.Equal(2, store.ListIncidents().Count);

        // The incidents table is away while al-c merges the two: that write fails (the alert itself is stored).
        using var raw = new RawDatabase(dir.Path);
        raw.Execute("ALTER TABLE incidents RENAME TO incidents_away");
        recording.Append([Alert("al-c", 3001, "/tmp/y/c", 50, "file", TimeSpan.FromSeconds(30),
            [new AncestorFields { Pid = 3000, Executable = "/tmp/y/b" }, .. ScriptAncestry])]);
        Assert.Equal(1, recording.IncidentWriteErrors);
        Assert.Contains("incidents", recording.LastIncidentError, StringComparison.Ordinal);
        raw.Execute("ALTER TABLE incidents_away RENAME TO incidents");

        // An unrelated alert an hour later: its write carries the merge and the absorbed row's delete.
        recording.Append([Alert("al-d", 7000, "/tmp/z/d", 60, "process", TimeSpan.FromHours(1), parentPid: 6999)]);
        var incidents = store.ListIncidents();
        Assert.Equal([["al-d"], ["al-a", "al-b", "al-c"]], incidents.Select(i => i.AlertIds.Order(StringComparer.Ordinal).ToArray()));
        Assert.Equal(1, recording.IncidentWriteErrors);
    }

    [Fact]
    public void Alerts_further_apart_than_the_window_are_separate_incidents_and_events_alone_write_none()
    {
        using var dir = new TempDirectory();
        using var store = SqliteEventStore.Open(dir.Path);
        var recording = new IncidentRecordingStore(store);

        recording.Append(SampleEvents.Events(5, T0));
        Assert.Empty(store.ListIncidents());
        recording.Append([Alert("al-a", 1001, "/tmp/x/a", 60, "process", TimeSpan.Zero, ScriptAncestry)]);
        recording.Append([Alert("al-b", 1002, "/tmp/x/b", 60, "process", TimeSpan.FromMinutes(6), parentPid: 1000)]);
        Assert.Equal(["al-b", "al-a"], store.ListIncidents().Select(i => Assert.Single(i.AlertIds)));
        Assert.Equal(5, store.GetStatistics().EventCount);
        Assert.Equal(2, store.GetStatistics().AlertCount);
    }

    [Fact]
    public void Tracker_forgets_alerts_beyond_its_capacity_oldest_first()
    {
        var tracker = new IncidentTracker(capacity: 2);
        for (var i = 0; i < 5; i++)
        {
            var update = tracker.Add([Alert($"al-{i}", 5000 + i, $"/tmp/{i}", 50, "process", TimeSpan.FromMinutes(10 * i))]);
            Assert.Equal($"al-{i}", Assert.Single(Assert.Single(update.Upserts).AlertIds));
            Assert.Empty(update.Deletes);
        }

        Assert.Equal(2, tracker.Count);
    }

    private sealed class IncidentComparer : IEqualityComparer<Incident>
    {
        public static readonly IncidentComparer Instance = new();

        public bool Equals(Incident? x, Incident? y) =>
            x is not null && y is not null && x.Id == y.Id && x.Score == y.Score && x.Verdict == y.Verdict && x.Severity == y.Severity
            && x.Root == y.Root && x.Start == y.Start && x.End == y.End && x.AlertIds.SequenceEqual(y.AlertIds)
            && x.Domains.SequenceEqual(y.Domains) && x.Timeline.SequenceEqual(y.Timeline);

        public int GetHashCode(Incident obj) => obj.Id.GetHashCode(StringComparison.Ordinal);
    }
}
