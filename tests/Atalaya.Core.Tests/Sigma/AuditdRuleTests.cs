using Atalaya.Core.Detection.Sigma;
using Atalaya.Core.Schema;
using Xunit.Abstractions;

namespace Atalaya.Core.Tests.Sigma;

/// <summary>
/// SigmaHQ's <c>service: auditd</c> rules over the auditd-shaped view of our events: EXECVE from any
/// exec's arguments, SYSCALL and PATH from <c>atalaya.audit</c>; one record at a time.
/// </summary>
public sealed class AuditdRuleTests(ITestOutputHelper output)
{
    private const string UserDiscovery = "9a0d8ca0-2385-4020-b6c6-cb6153ca56f3";
    private const string SystemInfoDiscovery = "f34047d9-20d3-4e8b-8672-0a35cc50dc71";
    private const string FilePermissions = "74c01ace-0152-4094-8ae2-6fd776dd43e5";
    private const string FindCredentials = "df3fcaea-2715-4214-99c5-0056ea59eb35";
    private const string SuspiciousFolders = "a39d7fa7-3fbd-4dc2-97e1-d87f546b1bbc";
    private const string SystemdServiceCreation = "1bac86ba-41aa-4f62-9d6b-405eac99b485";
    private const string Mknod = "710bdbce-495d-491d-9a8f-7d0d88d2b41e";
    private const string AslrDisabled = "e497a24e-9345-4a62-9803-b06d7d7cb132";
    private const string HiddenFiles = "d08722cd-3d09-449a-80b4-83ea2d9d4616";

    [SigmaCorpusFact]
    public void All_auditd_rules_but_the_service_stop_one_compile()
    {
        var results = AuditdCorpus();
        Assert.Equal(53, results.Count);
        foreach (var result in results.Where(r => r.Status != SigmaLoadStatus.Ok))
        {
            output.WriteLine($"{result.Status} {Path.GetFileName(result.Path)}: {result.Reason}");
        }

        var notOk = Assert.Single(results, r => r.Status != SigmaLoadStatus.Ok);
        Assert.Equal("lnx_auditd_disable_system_firewall.yml", Path.GetFileName(notOk.Path));
        Assert.Equal(SigmaLoadStatus.Skipped, notOk.Status);
        Assert.StartsWith("SIGMA100 logsource service auditd: the rule reads only SERVICE_STOP records", notOk.Reason, StringComparison.Ordinal);
        Assert.All(results.Where(r => r.Status == SigmaLoadStatus.Ok), r =>
        {
            Assert.Equal(SigmaEventKind.Auditd, r.Rule!.EventKind);
            Assert.NotEmpty(r.Rule.AuditdConditions);
        });
        output.WriteLine($"auditd: {results.Count(r => r.Status == SigmaLoadStatus.Ok)}/{results.Count} compile");
    }

    [SigmaCorpusFact]
    public void Execve_rules_fire_on_the_arguments_of_any_exec_event()
    {
        var analytic = new SigmaAnalytic(SigmaRuleSet.Create(AuditdCorpus()));

        Assert.Contains(UserDiscovery, Fired(analytic, Exec("id")));
        Assert.Contains(SystemInfoDiscovery, Fired(analytic, Exec("uname", "-a")));
        Assert.Contains(FilePermissions, Fired(analytic, Exec("chmod", "+x", "/tmp/payload")));
        Assert.Contains(FindCredentials, Fired(analytic, Exec("grep", "-ri", "password", "/etc")));
        Assert.Contains(HiddenFiles, Fired(analytic, Exec("mkdir", "/tmp/.cache-x")));

        // Not the same arguments: a1 is not a hidden name, grep without 'password', a0 not 'id'.
        Assert.DoesNotContain(HiddenFiles, Fired(analytic, Exec("mkdir", "/tmp/cache-x")));
        Assert.DoesNotContain(FindCredentials, Fired(analytic, Exec("grep", "-ri", "user", "/etc")));
        Assert.DoesNotContain(UserDiscovery, Fired(analytic, Exec("/usr/bin/identify", "x.png")));

        // The EXECVE view needs arguments and a process start: an exit or an event without argv has none.
        var ended = Exec("id") with { Event = Exec("id").Event with { Type = [EventTypes.End] } };
        Assert.Empty(Fired(analytic, ended));
        Assert.Empty(Fired(analytic, Exec("id") with { Process = Exec("id").Process! with { Args = null } }));
    }

    [SigmaCorpusFact]
    public void Syscall_rules_need_the_audit_record_and_read_it()
    {
        var analytic = new SigmaAnalytic(SigmaRuleSet.Create(AuditdCorpus()));

        var exec = Exec("/tmp/dropper", "--run");
        Assert.DoesNotContain(SuspiciousFolders, Fired(analytic, exec));
        var audited = exec with { Atalaya = new AtalayaFields { Audit = Syscall("execve", "execve") } };
        Assert.Contains(SuspiciousFolders, Fired(analytic, audited));

        var mknod = FileEvent("/usr/bin/mknod", Syscall("mknod", null, new AuditPathFields { Name = "/tmp/fifo", Nametype = "CREATE" }));
        Assert.Contains(Mknod, Fired(analytic, mknod));
        Assert.DoesNotContain(Mknod, Fired(analytic, FileEvent("/usr/bin/touch", Syscall("openat", null))));

        // personality(ADDR_NO_RANDOMIZE): audit prints a0 in hex, 0x0040000 as 40000.
        var personality = FileEvent("/usr/bin/setarch", Syscall("personality", null) with { Arguments = ["40000", "0", "0", "0"] });
        Assert.Contains(AslrDisabled, Fired(analytic, personality));
        Assert.DoesNotContain(AslrDisabled, Fired(analytic, FileEvent("/usr/bin/setarch", Syscall("personality", null) with { Arguments = ["0", "0", "0", "0"] })));
    }

    [SigmaCorpusFact]
    public void Path_rules_match_one_record_not_fields_taken_from_two()
    {
        var analytic = new SigmaAnalytic(SigmaRuleSet.Create(AuditdCorpus()));

        // Two PATH records: the parent directory under /etc/systemd/system/ (PARENT) and a file
        // created elsewhere: no single record is a CREATE under a unit directory.
        var crossed = FileEvent("/usr/bin/cp", Syscall("openat", "watch",
            new AuditPathFields { Name = "/etc/systemd/system/", Nametype = "PARENT" },
            new AuditPathFields { Name = "/tmp/evil.service", Nametype = "CREATE" }));
        Assert.DoesNotContain(SystemdServiceCreation, Fired(analytic, crossed));

        var created = FileEvent("/usr/bin/cp", Syscall("openat", "watch",
            new AuditPathFields { Name = "/etc/systemd/system/", Nametype = "PARENT" },
            new AuditPathFields { Name = "/etc/systemd/system/evil.service", Nametype = "CREATE" }));
        var fired = Fired(analytic, created);
        Assert.Single(fired, SystemdServiceCreation);

        var rule = analytic.Rules.Rules.Single(r => r.Id == SystemdServiceCreation);
        Assert.True(rule.Matches(created));
        Assert.False(rule.Matches(crossed));
        Assert.StartsWith("auditd PATH record: ", rule.Explain(created), StringComparison.Ordinal);
        Assert.Contains("/etc/systemd/system/evil.service", rule.Explain(created), StringComparison.Ordinal);
    }

    [SigmaCorpusFact]
    public void The_prefilter_changes_no_outcome()
    {
        var set = SigmaRuleSet.Create(AuditdCorpus());
        var filtered = new SigmaAnalytic(set);
        var everything = new SigmaAnalytic(set, prefilter: false);
        EcsEvent[] events =
        [
            Exec("id"), Exec("uname", "-a"), Exec("touch", "-t", "202001010000", "/tmp/x"), Exec("dd", "if=/dev/zero", "of=/tmp/x"),
            Exec("truncate", "-s", "0", "/var/log/x"), Exec("cat", ".bash_history"), Exec("xmrig", "-o", "pool", "--cpu-priority=5"),
            Exec("tar", "-czf", "/tmp/x.tgz", "/etc"), Exec("sysctl", "-w", "kernel.randomize_va_space=0"), Exec("ls", "-la"),
            Exec("/tmp/dropper") with { Atalaya = new AtalayaFields { Audit = Syscall("execve", null, new AuditPathFields { Name = "/home/a/.x/bin", Nametype = "NORMAL" }) } },
            FileEvent("/usr/bin/useradd", Syscall("openat", null, new AuditPathFields { Name = "/etc/ld.so.preload", Nametype = "NORMAL" })),
        ];
        var total = 0;
        foreach (var value in events)
        {
            var a = Fired(filtered, value);
            Assert.Equal(Fired(everything, value), a);
            total += a.Count;
        }

        Assert.True(total >= 12, $"only {total} signals");
    }

    [SigmaCorpusFact]
    public void A_non_matching_exec_allocates_nothing_with_every_linux_rule_loaded()
    {
        var analytic = new SigmaAnalytic(SigmaCorpus.All());
        Assert.NotEmpty(analytic.Rules.RulesFor(SigmaEventKind.Auditd));
        var sink = new ModifierTests.ListSink();
        var value = Exec("/usr/bin/python3", "/usr/lib/command-not-found", "--", "gti");
        for (var i = 0; i < 100; i++)
        {
            analytic.Observe(value, sink);
        }

        // Steady state: a round of 1,000 events allocates nothing. A round during which the runtime
        // promotes a method to tier 1 (late on a loaded test host) may allocate a few bytes once,
        // so a few rounds are allowed; an allocation per event shows in every round.
        var allocated = new List<long>();
        for (var round = 0; round < 5 && (allocated.Count == 0 || allocated[^1] != 0); round++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 1000; i++)
            {
                analytic.Observe(value, sink);
            }

            allocated.Add(GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.True(allocated[^1] == 0, $"bytes allocated per round of 1,000 events: {string.Join(", ", allocated)}");
        Assert.Empty(sink.Signals);
    }

    [Fact]
    public void A_field_audit_records_but_the_view_lacks_skips_the_rule()
    {
        var result = LoadAuditd("""
            selection:
                type: SYSCALL
                ses: 3
            condition: selection
            """);
        Assert.Equal(SigmaLoadStatus.Skipped, result.Status);
        Assert.Equal("SIGMA101 field ses of auditd SYSCALL records is not provided by the agent's audit view at line 12", result.Reason);
    }

    [Fact]
    public void Type_tests_fold_per_record_and_fields_of_other_records_are_absent()
    {
        // a5 exists only in EXECVE records (SYSCALL stops at a3, PATH has none): the rule reads EXECVE only.
        var rule = Assert.IsType<SigmaRule>(LoadAuditd("""
            sel:
                a5|startswith: '--cpu'
            condition: sel
            """).Rule);
        Assert.Equal([AuditdRecordType.Execve], rule.AuditdConditions.Select(c => c.Type));
        Assert.True(rule.Matches(Exec("m", "1", "2", "3", "4", "--cpu-priority=5")));

        var either = Assert.IsType<SigmaRule>(LoadAuditd("""
            a:
                type: 'execve'
                a0: zip
            b:
                type: PATH
                nametype: CREATE
            condition: a or b
            """).Rule);
        Assert.Equal([AuditdRecordType.Execve, AuditdRecordType.Path], either.AuditdConditions.Select(c => c.Type));
        Assert.True(either.Matches(Exec("zip", "x.zip")));
        Assert.False(either.Matches(Exec("unzip", "x.zip")));
    }

    [Fact]
    public void Keywords_search_the_values_of_the_record()
    {
        var rule = Assert.IsType<SigmaRule>(LoadAuditd("""
            execve:
                type: EXECVE
            keywords:
                '|all':
                    - 'grep'
                    - 'password'
            condition: execve and keywords
            """).Rule);
        Assert.True(rule.Matches(Exec("grep", "-r", "password", "/etc")));
        // The command line holds both words only across the executable's path: not in the arguments.
        var tricky = Exec("grep", "-r", "secret") with { Process = Exec("grep").Process! with { CommandLine = "grep password", Executable = "/password/grep" } };
        Assert.False(rule.Matches(tricky));
    }

    private static List<SigmaLoadResult> AuditdCorpus() =>
        SigmaCorpus.Load(Path.Combine(SigmaCorpus.SigmaHqLinux()!, "auditd"), SigmaRuleSource.External);

    private static SigmaLoadResult LoadAuditd(string detection)
    {
        var yaml = $"""
            title: auditd test rule
            id: 00000000-0000-0000-0000-0000000000ad
            status: test
            level: medium
            author: Tester
            logsource:
                product: linux
                service: auditd
            detection:
            {string.Join('\n', detection.Split('\n').Select(l => "    " + l))}
            """;
        return Assert.Single(SigmaRuleLoader.Load("auditd.yml", yaml, SigmaRuleSource.External));
    }

    private static List<string> Fired(SigmaAnalytic analytic, EcsEvent value)
    {
        var sink = new ModifierTests.ListSink();
        analytic.Observe(value, sink);
        return [.. sink.Signals.Select(s => s.SourceId)];
    }

    private static EcsEvent Exec(params string[] args)
    {
        var executable = args[0].StartsWith('/') ? args[0] : "/usr/bin/" + args[0];
        var value = SigmaTestRules.Process(string.Join(' ', args), executable);
        return value with { Process = value.Process! with { Args = args, ArgsCount = args.Length } };
    }

    private static AtalayaAuditFields Syscall(string name, string? key, params AuditPathFields[] paths) => new()
    {
        Syscall = name,
        Key = key,
        Success = true,
        Exit = 0,
        Arguments = ["3", "7ffc0a10", "0", "0"],
        Auid = "1000",
        Euid = "0",
        Paths = paths.Length == 0 ? null : paths,
    };

    private static EcsEvent FileEvent(string executable, AtalayaAuditFields audit) => new()
    {
        Timestamp = SampleEvents.Now,
        Event = new EventFields { Kind = EventKinds.Event, Category = [EventCategories.File], Type = [EventTypes.Creation] },
        Process = new ProcessFields { Pid = 77, Executable = executable, Name = executable[(executable.LastIndexOf('/') + 1)..] },
        File = audit.Paths is [var first, ..] ? new FileFields { Path = first.Name } : null,
        Atalaya = new AtalayaFields { Audit = audit },
    };
}
