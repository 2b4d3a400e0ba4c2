using System.Collections;
using System.Globalization;
using System.Text.Json;
using Atalaya.Core.Schema;

namespace Atalaya.Core.Tests.Schema;

public sealed class EcsJsonTests
{
    private static EcsEvent FullyPopulated() => new()
    {
        Timestamp = new DateTimeOffset(2026, 11, 21, 10, 0, 0, 123, TimeSpan.FromHours(2)),
        Event = new EventFields
        {
            Kind = "alert", Category = ["process"], Type = ["start"], Action = "process-started", Dataset = "atalaya.process",
            Module = "atalaya", Id = "ev-1", RiskScore = 81, Severity = 81, Reason = "why", Outcome = "success",
            Start = SampleEvents.Now, End = SampleEvents.Now.AddSeconds(1), Duration = 1_000_000_000,
        },
        Host = new HostFields { Name = "h", Id = "mid", Os = new HostOsFields { Type = "linux", Name = "Debian", Version = "12", Kernel = "6.1", Family = "debian" }, Cpu = new HostCpuFields { Usage = 0.25 } },
        Agent = new AgentFields { Name = "atalaya", Type = "atalaya", Version = "0.1.0", Id = "a-1" },
        Process = new ProcessFields
        {
            Pid = 10, EntityId = "e10", Name = "sshd", Executable = "/tmp/x/sshd", CommandLine = "sshd -D", Args = ["sshd", "-D"], ArgsCount = 2,
            WorkingDirectory = "/tmp", Start = SampleEvents.Now, End = SampleEvents.Now, User = new UserFields { Id = "0", Name = "root" },
            RealUser = new UserFields { Id = "1000", Name = "ana" }, Group = new GroupFields { Id = "0", Name = "root" },
            RealGroup = new GroupFields { Id = "1000", Name = "ana" }, SessionLeader = new ProcessFields { Pid = 7 },
            Tty = new TtyFields { CharDevice = new CharDeviceFields { Major = 136, Minor = 2 } }, EnvVars = ["LD_PRELOAD=/tmp/x.so"],
            Hash = new HashFields { Sha256 = "ab" },
            Parent = new ProcessFields { Pid = 1, EntityId = "e1", Name = "systemd", Executable = "/usr/lib/systemd/systemd", CommandLine = "/sbin/init" },
        },
        Source = new EndpointFields { Ip = "127.0.0.1", Port = 1, Domain = "localhost", Bytes = 5 },
        Destination = new EndpointFields { Ip = "198.51.100.10", Port = 443, Domain = "example.test", Bytes = 6 },
        Network = new NetworkFields { Transport = "tcp", Direction = "egress", Type = "ipv4", Protocol = "https", Bytes = 11 },
        File = new FileFields { Path = "/etc/passwd", Name = "passwd", Size = 10, Mtime = SampleEvents.Now, Owner = "root", Uid = "0", Mode = "0644", TargetPath = "/lib/x", Hash = new HashFields { Sha256 = "cd" } },
        User = new UserFields { Id = "1000", Name = "ana" },
        Rule = new RuleFields { Id = "r", Name = "n", Ruleset = "s", Author = "a", License = "DRL-1.1", Reference = "https://x", Description = "d" },
        Threat = new ThreatFields { Framework = "MITRE ATT&CK", Technique = new TechniqueFields { Id = ["T1036.005"], Name = ["Masquerading"] } },
        Related = new RelatedFields { Ip = ["127.0.0.1"], User = ["root"], Hash = ["ab"] },
        Atalaya = new AtalayaFields
        {
            Verdict = "likely malicious", Severity = "high", Summary = "s", SummaryEs = "s-es", AlertId = "al-1", EntityKey = "e10", Partial = false,
            Evidence = [new EvidenceItem { Signal = "x", Weight = 85, Confidence = 0.95, Detail = "d", Techniques = ["T1036.005"], Domain = "process" }],
            Process = new AtalayaProcessFields
            {
                ExecutableDeleted = true, Fileless = true, ExecutableSize = 4096, ExecutableMtime = SampleEvents.Now, ThreadCount = 3, FdCount = 9,
                CapEff = "000001ffffffffff", Cgroup = "/system.slice/x.service", ContainerId = new string('a', 64), Namespaces = ["net", "mnt"],
                TracerPid = 77, TracerExecutable = "/usr/bin/gdb", AnonymousExecutableRegions = 1, WritablePathLibraries = ["/tmp/x.so"], Hidden = true, StdinType = "pipe", LoginUid = "1000",
                Ancestry = [new AncestorFields { Pid = 1, Executable = "/sbin/init" }], Package = "openssh-server", Packaged = true,
            },
            File = new AtalayaFileFields { Package = "passwd", PackageVerified = false, OldPath = "/etc/passwd+", Executable = false, Coalesced = 3,
                BatchCreated = 4, BatchModified = 5, BatchDeleted = 6, BatchPackages = ["openssh-server"], BatchPaths = ["/usr/sbin/sshd"] },
            Network = new AtalayaNetworkFields { State = "ESTABLISHED", Inode = 99, Exposure = "loopback", RttMicroseconds = 25, StandardStreams = ["stdin", "stdout"], Sensor = "netlink-sock-diag", Unseen = true },
            Persistence = new AtalayaPersistenceFields
            {
                Kind = "cron", Command = "/tmp/.x/run", Schedule = "@reboot", User = "root", TargetExecutable = "/tmp/.x/run",
                TargetSha256 = "ef", TargetPackage = "cron", TargetPackaged = true, Detail = "d", FirstSeen = SampleEvents.Now, PreviousCommand = "/bin/true",
            },
            Account = new AtalayaAccountFields
            {
                Shell = "/bin/bash", PreviousShell = "/usr/sbin/nologin", Home = "/home/ana", Group = "sudo", PasswordState = "locked",
                PasswordChanged = SampleEvents.Now, AuthMethod = "password", TargetUser = "root", PreviousRecords = 10, Records = 2,
            },
            Audit = new AtalayaAuditFields
            {
                Syscall = "openat", Key = "atalaya-watch", Success = true, Exit = 3, Arguments = ["ffffff9c", "7ffd1c2a", "241", "1b6"],
                Auid = "1000", Euid = "0", Paths = [new AuditPathFields { Name = "/etc/ld.so.preload", Nametype = "CREATE" }],
            },
            Metrics = new AtalayaMetricsFields
            {
                CpuUserPct = 12.5, CpuSystemPct = 2.5, CpuIdlePct = 80, CpuIowaitPct = 4, CpuStealPct = 1, MemoryTotalBytes = 1024,
                MemoryAvailableBytes = 512, SwapTotalBytes = 256, SwapUsedBytes = 0, Load1 = 0.5, Load5 = 0.25, Load15 = 0.125,
                DiskReadBytes = 4096, DiskWriteBytes = 8192, IntervalSeconds = 1, ProcessCpuPct = 99.5, ProcessRssBytes = 2048,
            },
        },
    };

    [Fact]
    public void Every_catalog_field_is_found_at_its_dotted_path_with_the_same_value()
    {
        var value = FullyPopulated();
        using var json = JsonDocument.Parse(EcsJson.Serialize(value));

        foreach (var field in FieldCatalog.All)
        {
            var element = Navigate(json.RootElement, field.EcsName);
            Assert.True(element.HasValue, $"{field.EcsName} is in the catalog but not in the JSON");
            Assert.Equal(Normalize(field.Read(value)), Normalize(element!.Value));
        }
    }

    [Fact]
    public void Every_json_leaf_is_in_the_catalog()
    {
        using var json = JsonDocument.Parse(EcsJson.Serialize(FullyPopulated()));
        var leaves = new List<string>();
        CollectLeaves(json.RootElement, "", leaves);

        var documented = FieldCatalog.All.Select(f => f.EcsName).Concat(FieldCatalog.ObjectListFields).ToHashSet();
        var missing = leaves.Where(l => !documented.Contains(l)).ToList();
        Assert.Empty(missing);
    }

    [Fact]
    public void Timestamps_are_utc_with_z_and_nested_objects_use_snake_case()
    {
        var text = EcsJson.Serialize(FullyPopulated());
        using var json = JsonDocument.Parse(text);

        Assert.Equal("2026-11-21T08:00:00.1230000Z", json.RootElement.GetProperty("@timestamp").GetString());
        Assert.Equal("sshd -D", json.RootElement.GetProperty("process").GetProperty("command_line").GetString());
        Assert.Equal("/usr/lib/systemd/systemd", json.RootElement.GetProperty("process").GetProperty("parent").GetProperty("executable").GetString());
        Assert.Equal(81, json.RootElement.GetProperty("event").GetProperty("risk_score").GetInt32());
        Assert.DoesNotContain('\n', text);
    }

    [Fact]
    public void Round_trip_preserves_every_field()
    {
        var original = FullyPopulated();
        var text = EcsJson.Serialize(original);
        Assert.Equal(text, EcsJson.Serialize(EcsJson.Deserialize(text)));
    }

    [Fact]
    public void Null_sections_are_omitted()
    {
        var text = EcsJson.Serialize(SampleEvents.Process("/usr/bin/sleep"));
        using var json = JsonDocument.Parse(text);
        Assert.False(json.RootElement.TryGetProperty("network", out _));
        Assert.False(json.RootElement.TryGetProperty("rule", out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("{\"@timestamp\": 5}")]
    [InlineData("{not json")]
    public void Malformed_json_is_a_json_exception(string text) =>
        Assert.ThrowsAny<JsonException>(() => EcsJson.Deserialize(text));

    [Fact]
    public void Sigma_names_map_onto_ecs_fields()
    {
        Assert.Equal("process.executable", FieldCatalog.FindSigma("Image")!.EcsName);
        Assert.Equal("process.command_line", FieldCatalog.FindSigma("commandline")!.EcsName);
        Assert.Equal("process.parent.executable", FieldCatalog.FindSigma("ParentImage")!.EcsName);
        Assert.Equal("process.user.name", FieldCatalog.FindSigma("User")!.EcsName);
        Assert.Equal("network.direction", FieldCatalog.FindSigma("Initiated")!.EcsName);
        Assert.Equal("egress", FieldCatalog.FindSigma("Initiated")!.SigmaValues!["true"]);
        Assert.Equal("process.working_directory", FieldCatalog.FindSigma("CurrentDirectory")!.EcsName);
        Assert.Equal("destination.ip", FieldCatalog.FindSigma("DestinationIp")!.EcsName);
        Assert.Equal("destination.port", FieldCatalog.FindSigma("DestinationPort")!.EcsName);
        Assert.Equal("file.path", FieldCatalog.FindSigma("TargetFilename")!.EcsName);
        Assert.Null(FieldCatalog.FindSigma("NoSuchField"));
    }

    [Fact]
    public void Fields_doc_is_generated_from_the_catalog()
    {
        var path = Path.Combine(TestCatalog.RepositoryRoot(), "docs", "FIELDS.md");
        var expected = FieldsDocument.Render();
        if (Environment.GetEnvironmentVariable("ATALAYA_UPDATE_DOCS") == "1")
        {
            File.WriteAllText(path, expected);
        }

        Assert.True(File.Exists(path), "docs/FIELDS.md is missing: run the tests once with ATALAYA_UPDATE_DOCS=1");
        Assert.Equal(expected, File.ReadAllText(path));
    }

    private static JsonElement? Navigate(JsonElement root, string dotted)
    {
        if (dotted == "@timestamp")
        {
            return root.GetProperty("@timestamp");
        }

        var current = root;
        foreach (var part in dotted.Split('.'))
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(part, out current))
            {
                return null;
            }
        }

        return current;
    }

    private static void CollectLeaves(JsonElement element, string prefix, List<string> leaves)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                var name = prefix.Length == 0 ? property.Name : $"{prefix}.{property.Name}";
                if (property.Value.ValueKind == JsonValueKind.Array && property.Value.EnumerateArray().Any(e => e.ValueKind == JsonValueKind.Object))
                {
                    leaves.Add(name);
                    continue;
                }

                CollectLeaves(property.Value, name, leaves);
            }
        }
        else
        {
            leaves.Add(prefix);
        }
    }

    private static string Normalize(object? value) => value switch
    {
        null => "null",
        string s => s,
        DateTimeOffset d => d.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        IEnumerable list => string.Join("|", list.Cast<object>().Select(Normalize)),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string Normalize(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String when DateTimeOffset.TryParse(element.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
            && element.GetString()!.EndsWith('Z') => d.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
        JsonValueKind.String => element.GetString()!,
        JsonValueKind.Array => string.Join("|", element.EnumerateArray().Select(Normalize)),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => element.GetRawText(),
    };
}
