using Atalaya.Core.Detection.Sigma;
using Atalaya.Core.Schema;
using Xunit.Abstractions;

namespace Atalaya.Core.Tests.Sigma;

/// <summary>The real SigmaHQ Linux corpus (210 rules); skips cleanly when the shared folder is absent.</summary>
public sealed class SigmaHqCorpusTests(ITestOutputHelper output)
{
    [SigmaCorpusFact]
    public void Every_rule_loads_with_a_status_and_every_non_ok_rule_has_a_coded_reason()
    {
        var root = SigmaCorpus.SigmaHqLinux()!;

        var results = SigmaCorpus.Load(root, SigmaRuleSource.External);
        Assert.Equal(210, results.Count);
        foreach (var folder in results.GroupBy(r => Folder(root, r.Path)).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"{folder.Key}: {folder.Count()} rules, ok {folder.Count(r => r.Status == SigmaLoadStatus.Ok)}, " +
                             $"skipped {folder.Count(r => r.Status == SigmaLoadStatus.Skipped)}, error {folder.Count(r => r.Status == SigmaLoadStatus.Error)}");
            foreach (var reason in folder.Where(r => r.Status != SigmaLoadStatus.Ok).GroupBy(r => r.Code + " " + r.Message).OrderByDescending(g => g.Count()))
            {
                output.WriteLine($"    {reason.Count(),3} × {reason.Key}");
            }
        }

        Assert.All(results.Where(r => r.Status != SigmaLoadStatus.Ok), r =>
        {
            Assert.False(string.IsNullOrEmpty(r.Code), r.Path);
            Assert.False(string.IsNullOrEmpty(r.Reason), r.Path);
        });
        Assert.All(results.Where(r => r.Status == SigmaLoadStatus.Ok), r =>
        {
            Assert.NotNull(r.Rule);
            Assert.Equal(SigmaRuleSource.SigmaHqLicense, r.Rule!.License);
            Assert.False(string.IsNullOrEmpty(r.Rule.Author), r.Path);
        });
        Assert.DoesNotContain(results, r => r.Status == SigmaLoadStatus.Error);
    }

    [SigmaCorpusFact]
    public void At_least_99_percent_of_the_process_file_and_network_rules_compile()
    {
        var root = SigmaCorpus.SigmaHqLinux()!;
        var evaluated = SigmaCorpus.Load(root, SigmaRuleSource.External)
            .Where(r => Folder(root, r.Path) is "process_creation" or "file_event" or "network_connection")
            .ToList();
        Assert.Equal(135, evaluated.Count);

        var notOk = evaluated.Where(r => r.Status != SigmaLoadStatus.Ok).ToList();
        var share = 1.0 * (evaluated.Count - notOk.Count) / evaluated.Count;
        output.WriteLine($"compiled {evaluated.Count - notOk.Count}/{evaluated.Count} = {share:P1}");
        foreach (var failure in notOk)
        {
            output.WriteLine($"    {Path.GetFileName(failure.Path)}: {failure.Reason}");
        }

        Assert.True(share >= 0.99, $"compiled share {share:P1} is below 99%");
        Assert.All(notOk, r => Assert.False(string.IsNullOrEmpty(r.Reason), r.Path));
    }

    [SigmaCorpusFact]
    public void The_omigod_rules_read_logon_id_as_the_audit_login_uid()
    {
        // Sysmon for Linux reports the process's auid as LogonId; ours is atalaya.process.login_uid.
        var root = SigmaCorpus.SigmaHqLinux()!;
        var path = Path.Combine(root, "process_creation", "proc_creation_lnx_omigod_scx_runasprovider_executeshellcommand.yml");
        var rule = Assert.Single(SigmaRuleLoader.Load(path, File.ReadAllText(path), SigmaRuleSource.External)).Rule!;
        var omi = SampleEvents.Process("/bin/sh", type: EventTypes.Start);
        omi = omi with
        {
            Process = omi.Process! with { CommandLine = "/bin/sh -c id", WorkingDirectory = "/var/opt/microsoft/scx/tmp", User = new UserFields { Id = "0", Name = "root" } },
            Atalaya = new AtalayaFields { Process = new AtalayaProcessFields { LoginUid = "0" } },
        };

        Assert.True(rule.Matches(omi));
        Assert.False(rule.Matches(omi with { Atalaya = new AtalayaFields { Process = new AtalayaProcessFields { LoginUid = "4294967295" } } }));
        Assert.False(rule.Matches(omi with { Atalaya = null }));
    }

    [SigmaCorpusFact]
    public void Rule_metadata_is_read_from_the_real_files()
    {
        var root = SigmaCorpus.SigmaHqLinux()!;
        var path = Path.Combine(root, "network_connection", "net_connection_lnx_back_connect_shell_dev.yml");
        var rule = Assert.Single(SigmaRuleLoader.Load(path, File.ReadAllText(path), SigmaRuleSource.External)).Rule!;
        Assert.Equal("83dcd9f6-9ca8-4af7-a16e-a1c7a6b51871", rule.Id);
        Assert.Equal("Linux Reverse Shell Indicator", rule.Title);
        Assert.Equal("critical", rule.Level);
        Assert.Equal("test", rule.Status);
        Assert.Equal("Florian Roth (Nextron Systems)", rule.Author);
        Assert.Equal(["T1059.004"], rule.Techniques);
        Assert.Equal(new SigmaLogSource("linux", "network_connection", null), rule.LogSource);
        Assert.Equal(["Unknown"], rule.FalsePositives);
        Assert.StartsWith("https://github.com/swisskyrepo/PayloadsAllTheThings/", rule.Reference, StringComparison.Ordinal);
        Assert.Equal(SigmaEventKind.NetworkConnection, rule.EventKind);

        Assert.True(rule.Matches(SampleEvents.Connection("/usr/bin/bash", 9, "203.0.113.9", 4444)));
        Assert.False(rule.Matches(SampleEvents.Connection("/usr/bin/bash", 9, "127.0.0.1", 4444)));
        Assert.False(rule.Matches(SampleEvents.Connection("/usr/bin/curl", 9, "203.0.113.9", 4444)));
    }

    private static string Folder(string root, string path)
    {
        var relative = Path.GetRelativePath(root, Path.GetDirectoryName(path)!);
        return relative == "." ? "(top)" : relative;
    }
}
