using System.Text.Json;
using Atalaya.Scenarios.Cli;
using Atalaya.TestKit;

namespace Atalaya.Scenarios.Rules;

/// <summary>`atalaya rules check|test` and Sigma rules firing on real processes through `atalaya scan`.</summary>
public sealed class RulesScenarioTests
{
    private const string OurBase64Rule = "4fee62c6-1b48-59d4-bc58-05597648792f";
    private const string SigmaHqBase64Rule = "ba592c6d-6888-43c3-b8c6-689b8fe47337";

    [Fact]
    public void Check_of_the_shipped_pack_is_all_ok()
    {
        var result = AtalayaCli.Run(["rules", "check"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("17 ok, 0 skipped, 0 error", result.StandardOutput, StringComparison.Ordinal);
    }

    [SigmaCorpusFact]
    public void Check_of_the_SigmaHQ_corpus_prints_one_json_object_per_rule_and_counts_on_stderr()
    {
        var result = AtalayaCli.Run(["rules", "check", SigmaCorpus.Linux()!, "--json"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var rules = Ndjson.Parse(result.StandardOutput);
        Assert.Equal(210, rules.Count);
        Assert.All(rules, r =>
        {
            Assert.EndsWith(".yml", r.Str("path"), StringComparison.Ordinal);
            Assert.False(string.IsNullOrEmpty(r.Str("id")));
            Assert.False(string.IsNullOrEmpty(r.Str("title")));
            Assert.Contains(r.Str("status"), new[] { "ok", "skipped" });
            Assert.Equal(r.Str("status") == "ok", r.Path("reason")!.Value.ValueKind == JsonValueKind.Null);
        });
        // 135 process, file and network rules plus 52 of the 53 auditd rules (see the next test).
        Assert.Equal(187, rules.Count(r => r.Str("status") == "ok"));
        Assert.Contains("210 rules", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("187 ok, 23 skipped, 0 error", result.StandardError, StringComparison.Ordinal);
    }

    [SigmaCorpusFact]
    public void Check_of_the_auditd_rules_compiles_all_but_the_one_reading_service_stop_records()
    {
        var result = AtalayaCli.Run(["rules", "check", Path.Combine(SigmaCorpus.Linux()!, "auditd")]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("52 ok, 1 skipped, 0 error", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("SIGMA100 logsource service auditd: the rule reads only SERVICE_STOP records", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_exits_1_and_names_the_broken_rule_its_code_and_line()
    {
        using var temp = new TempDirectory();
        temp.WriteFile("good.yml", "title: good\nid: g\nlogsource: {category: process_creation}\ndetection:\n    sel:\n        Image|endswith: /nc\n    condition: sel\n");
        temp.WriteFile("sub/bad.yml", "title: bad\nid: b\nlogsource: {category: process_creation}\ndetection:\n    sel:\n        Image|foo: /nc\n    condition: sel\n");
        temp.WriteFile("good.cases.yaml", "cases: []\n"); // not a rule

        var table = AtalayaCli.Run(["rules", "check", temp.Path]);
        Assert.True(table.ExitCode == 1, table.ToString());
        Assert.Contains("SIGMA004 unknown modifier 'foo' at line 6", table.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("2 rules in", table.StandardOutput, StringComparison.Ordinal);

        var json = AtalayaCli.Run(["rules", "check", temp.Path, "--json"]);
        Assert.Equal(1, json.ExitCode);
        var bad = Ndjson.Parse(json.StandardOutput).Single(r => r.Str("status") == "error");
        Assert.Equal(temp.Combine("sub", "bad.yml"), bad.Str("path"));
        Assert.Equal("b", bad.Str("id"));
        Assert.Equal("bad", bad.Str("title"));
        Assert.Equal("SIGMA004 unknown modifier 'foo' at line 6", bad.Str("reason"));
    }

    [Fact]
    public void Usage_errors_exit_2()
    {
        Assert.Equal(2, AtalayaCli.Run(["rules", "check", "/nonexistent-atalaya-rules"]).ExitCode);
        Assert.Equal(2, AtalayaCli.Run(["rules", "check", "--bogus"]).ExitCode);
        Assert.Equal(2, AtalayaCli.Run(["rules", "test"]).ExitCode);
    }

    [Fact]
    public void Test_runs_every_shipped_cases_file_and_fails_on_a_wrong_expectation()
    {
        var shipped = Path.Combine(AppContext.BaseDirectory, "rules", "sigma");
        var all = AtalayaCli.Run(["rules", "test", .. Directory.GetFiles(shipped, "*.cases.yaml")]);
        Assert.True(all.ExitCode == 0, all.ToString());
        Assert.Matches(@"\d+ cases, (\d+) passed, 0 failed", all.StandardOutput);
        // The correlation's cases are timed sequences of authentication events.
        Assert.Contains("ssh_brute_force.cases.yaml: root guessed from five addresses in two minutes", all.StandardOutput, StringComparison.Ordinal);

        using var temp = new TempDirectory();
        File.Copy(Path.Combine(shipped, "base64_decode_to_shell.yml"), temp.Combine("b64.yml"));
        var cases = temp.WriteFile("b64.cases.yaml", $"""
            cases:
              - name: wrongly expected silence
                event:
                  event: {"{"} category: [process] {"}"}
                  process: {"{"} executable: /usr/bin/dash, command_line: 'sh -c echo aWQ= | base64 -d | sh' {"}"}
                expect: none
              - name: right
                event_json: '{"{"}"event":{"{"}"category":["process"]{"}"},"process":{"{"}"pid":1,"command_line":"base64 -d x | bash"{"}"}{"}"}'
                expect: [{OurBase64Rule}]
            """);
        var failing = AtalayaCli.Run(["rules", "test", cases]);
        Assert.True(failing.ExitCode == 1, failing.ToString());
        Assert.Contains($"FAIL  {cases}:2: wrongly expected silence: expected [], matched [{OurBase64Rule}]", failing.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("2 cases, 1 passed, 1 failed", failing.StandardOutput, StringComparison.Ordinal);
    }

    [SigmaCorpusFact]
    public async Task A_base64_payload_piped_to_a_shell_fires_a_SigmaHQ_rule_and_ours_in_a_scan()
    {
        using var temp = new TempDirectory();
        // Decodes to "echo hi"; the trailing sleep keeps the shell alive for the scan, and 'exit 0'
        // stops dash from exec-ing sleep in place of the shell (its last-command optimisation).
        using var shell = SpawnedProcess.Start("/bin/sh", ["-c", "echo ZWNobyBoaQ== | base64 -d | sh ; sleep 30 ; exit 0"], redirectOutput: true);
        var ran = await Eventually.WaitForAsync(() => shell.StandardOutput, o => o.Contains("hi", StringComparison.Ordinal));
        Assert.Contains("hi", ran, StringComparison.Ordinal);

        var result = AtalayaCli.Run(["scan", "--json", "--no-store", "--data-dir", temp.Combine("data"), "--rules", SigmaCorpus.Linux()!]);

        Assert.True(result.ExitCode == 1, result.ToString());
        var alert = Ndjson.Parse(result.StandardOutput).Single(a => a.Int("process.pid") == shell.Pid);
        ScanScenarioTests.AssertAlertContract(alert);
        var signals = alert.Path("atalaya.evidence")!.Value.EnumerateArray().Select(e => e.Str("signal")).ToList();
        Assert.Contains(OurBase64Rule, signals);
        Assert.Contains(SigmaHqBase64Rule, signals);
        // Ours is the stronger (high/test 64 vs medium/test 48), so it names the alert.
        Assert.Equal(OurBase64Rule, alert.Str("rule.id"));
        Assert.Equal("Atalaya", alert.Str("rule.author"));
        Assert.Equal("atalaya", alert.Str("rule.ruleset"));
        Assert.Contains("T1140", alert.Strings("threat.technique.id"));
        // DRL 1.1: the SigmaHQ rule's author and license travel in its evidence line.
        var sigmaHq = alert.Path("atalaya.evidence")!.Value.EnumerateArray().Single(e => e.Str("signal") == SigmaHqBase64Rule);
        Assert.Contains("by pH-T (Nextron Systems)", sigmaHq.Str("detail"), StringComparison.Ordinal);
        Assert.Contains("DRL-1.1", sigmaHq.Str("detail"), StringComparison.Ordinal);
    }
}

/// <summary>The SigmaHQ corpus beside the repository (<c>&lt;repo&gt;/../shared/sigma</c>).</summary>
internal static class SigmaCorpus
{
    public static string? Linux()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Atalaya.slnx")))
            {
                var corpus = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "sigma", "rules", "linux"));
                return Directory.Exists(corpus) ? corpus : null;
            }
        }

        return null;
    }
}

/// <summary>Skipped, with the reason shown, when the SigmaHQ corpus is not on this machine.</summary>
public sealed class SigmaCorpusFactAttribute : FactAttribute
{
    public SigmaCorpusFactAttribute()
    {
        if (SigmaCorpus.Linux() is null)
        {
            Skip = "the SigmaHQ corpus (<repo>/../shared/sigma/rules/linux) is not on this machine";
        }
    }
}
