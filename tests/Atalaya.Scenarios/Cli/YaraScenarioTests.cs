using System.Text;
using System.Text.Json;
using Atalaya.Platform.Linux.Yara;
using Atalaya.TestKit;

namespace Atalaya.Scenarios.Cli;

/// <summary>YARA through the real CLI: a marked copy of sleep is found by scan and by the running agent; status reports the rules.</summary>
public sealed class YaraScenarioTests
{
    private const string Marker = "ATALAYA-YARA-SCENARIO-MARKER-51d2";

    private const string Rule = $$"""
        rule atalaya_scenario_marker : test
        {
            meta:
                mitre_attack = "T1027"
                score = 80
            strings:
                $m = "{{Marker}}"
            condition:
                $m
        }
        """;

    [SkippableFact]
    public void Scan_finds_a_running_program_whose_executable_matches_a_rule()
    {
        SkipWithoutLibYara();
        using var temp = new TempDirectory();
        var (config, marked) = Setup(temp);
        using var process = SpawnedProcess.Start(marked, ["300"]);

        var result = AtalayaCli.Run(["scan", "--json", "--no-store", "--config", config, "--data-dir", temp.Combine("data")]);

        Assert.True(result.ExitCode == 1, result.ToString());
        var alert = Ndjson.Parse(result.StandardOutput).Single(a => a.Int("process.pid") == process.Pid);
        var evidence = alert.Path("atalaya.evidence")!.Value.EnumerateArray().ToList();
        Assert.Contains(evidence, e => e.Str("signal") == "atalaya.analytic.yara.marker.yar.atalaya_scenario_marker");
        Assert.Contains("T1027", alert.Strings("threat.technique.id"));
        Assert.False(string.IsNullOrEmpty(alert.Str("atalaya.summary_es")), alert.ToString());
        Assert.Contains("broken.yar:3", result.StandardError, StringComparison.Ordinal);
        process.Kill();
    }

    [SkippableFact]
    public void Status_reports_the_compiled_rules_and_each_broken_file_with_its_line()
    {
        SkipWithoutLibYara();
        using var temp = new TempDirectory();
        var (config, _) = Setup(temp);
        var run = AtalayaCli.Run(["run", "--duration", "1s", "--quiet", "--config", config, "--data-dir", temp.Combine("data")]);
        Assert.Contains("yara: 1 rule from 1 file, 1 error", run.StandardOutput, StringComparison.Ordinal);

        var result = AtalayaCli.Run(["status", "--json", "--config", config, "--data-dir", temp.Combine("data")]);

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.StandardOutput);
        var yara = json.RootElement.GetProperty("features").GetProperty("yara");
        Assert.True(yara.GetProperty("available").GetBoolean());
        Assert.Equal(1, yara.GetProperty("rules").GetInt32());
        Assert.Equal(1, yara.GetProperty("files").GetInt32());
        var error = Assert.Single(yara.GetProperty("errors").EnumerateArray().ToList());
        Assert.Equal("broken.yar", error.GetProperty("file").GetString());
        Assert.Equal(3, error.GetProperty("line").GetInt32());

        var text = AtalayaCli.Run(["status", "--config", config, "--data-dir", temp.Combine("data")]);
        Assert.Contains("yara: 1 rule from 1 file, 1 error", text.StandardOutput, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task The_running_agent_scans_a_new_executable_when_it_starts()
    {
        SkipWithoutLibYara();
        using var temp = new TempDirectory();
        var (config, marked) = Setup(temp);
        var data = temp.Combine("data");
        using var agent = AtalayaCli.Start(["run", "--quiet", "--config", config, "--data-dir", data]);
        var started = await Eventually.WaitForAsync(() => agent.StandardOutput, o => o.Contains("yara: 1 rule", StringComparison.Ordinal) || agent.HasExited, attempts: 120, delayMilliseconds: 250);
        Assert.True(started.Contains("yara: 1 rule from 1 file", StringComparison.Ordinal), agent.StandardOutput + agent.StandardError);

        using var process = SpawnedProcess.Start(marked, ["300"]);
        var alerts = await Eventually.WaitForAsync(
            () => Ndjson.Parse(AtalayaCli.Run(["alerts", "--json", "--data-dir", data]).StandardOutput),
            found => found.Any(a => a.Int("process.pid") == process.Pid && Yara(a)),
            attempts: 60, delayMilliseconds: 500);
        Assert.True(alerts.Any(a => a.Int("process.pid") == process.Pid && Yara(a)), "no YARA alert for the marked program; agent output:\n" + agent.StandardOutput);

        process.Kill();
        PosixSignals.Send(agent.Pid, PosixSignals.SigTerm);
        Assert.True(agent.WaitForExit(TimeSpan.FromSeconds(60)), "the agent did not stop on SIGTERM:\n" + agent.StandardOutput);
    }

    private static bool Yara(JsonElement alert) =>
        alert.Path("atalaya.evidence") is { } evidence
        && evidence.EnumerateArray().Any(e => e.Str("signal")?.StartsWith("atalaya.analytic.yara.", StringComparison.Ordinal) == true);

    private static (string Config, string Marked) Setup(TempDirectory temp)
    {
        temp.WriteFile("yara/marker.yar", Rule);
        temp.WriteFile("yara/broken.yar", "rule broken {\n  condition:\n    no_such_identifier\n}\n");
        var marked = temp.Combine("marked-worker");
        File.WriteAllBytes(marked, [.. File.ReadAllBytes("/usr/bin/sleep"), .. Encoding.ASCII.GetBytes(Marker)]);
        File.SetUnixFileMode(marked, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var config = temp.WriteFile("config.json", JsonSerializer.Serialize(new Dictionary<string, object> { ["yaraRulesDir"] = temp.Combine("yara"), ["reloadSeconds"] = 1 }));
        return (config, marked);
    }

    private static void SkipWithoutLibYara() =>
        Skip.IfNot(YaraLibrary.TryInitialize(out var reason), $"libyara is not installed here: {reason}");
}
