using System.Security.Cryptography;
using Atalaya.TestKit;

namespace Atalaya.Scenarios.Cli;

/// <summary>Indicator files in DATA_DIR/intel, read by the real CLI against real processes.</summary>
public sealed class ThreatIntelScenarioTests
{
    [Fact]
    public void Scan_confirms_a_program_whose_hash_is_in_an_intel_file()
    {
        using var temp = new TempDirectory();
        var worker = CopyOfSleep(temp, "worker");
        var data = temp.Combine("data");
        temp.WriteFile("data/intel/feed.txt", $"# test feed\n{Sha256Of(worker)}\nnot-an-indicator\n");
        using var process = SpawnedProcess.Start(worker, ["300"]);

        var result = AtalayaCli.Run(["scan", "--json", "--no-store", "--data-dir", data]);

        Assert.True(result.ExitCode == 1, result.ToString());
        var alert = Ndjson.Parse(result.StandardOutput).Single(a => a.Int("process.pid") == process.Pid);
        Assert.Equal("confirmed malicious", alert.Str("atalaya.verdict"));
        Assert.Equal("atalaya.analytic.threat-intel", alert.Str("rule.id"));
        Assert.Equal(worker, alert.Str("process.executable"));
        ScanScenarioTests.AssertAlertContract(alert);
        // The bad line is reported, not fatal.
        Assert.Contains("feed.txt: 1 line without a valid indicator (first at line 3)", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_the_intel_file_the_same_program_is_not_confirmed()
    {
        using var temp = new TempDirectory();
        var worker = CopyOfSleep(temp, "worker");
        using var process = SpawnedProcess.Start(worker, ["300"]);

        var result = AtalayaCli.Run(["scan", "--json", "--no-store", "--data-dir", temp.Combine("data")]);

        Assert.True(result.ExitCode is 0 or 1, result.ToString());
        Assert.DoesNotContain(Ndjson.Parse(result.StandardOutput),
            a => a.Int("process.pid") == process.Pid && a.Str("atalaya.verdict") == "confirmed malicious");
    }

    [Fact]
    public async Task The_running_agent_picks_up_a_new_intel_file_without_a_restart()
    {
        using var temp = new TempDirectory();
        var worker = CopyOfSleep(temp, "worker");
        var data = temp.Combine("data");
        var config = temp.WriteFile("config.json", "{ \"reloadSeconds\": 0.5 }");
        using var agent = AtalayaCli.Start(["run", "--quiet", "--config", config, "--data-dir", data]);
        var started = await Eventually.WaitForAsync(() => agent.StandardOutput, o => o.Contains("threat intel: 0 indicators", StringComparison.Ordinal) || agent.HasExited, attempts: 120, delayMilliseconds: 250);
        Assert.True(started.Contains("threat intel: 0 indicators", StringComparison.Ordinal), agent.StandardOutput + agent.StandardError);

        temp.WriteFile("data/intel/new-feed.csv", $"# \"first_seen_utc\",\"sha256_hash\",\"md5_hash\"\n\"2026-11-21 09:00:00\", \"{Sha256Of(worker)}\", \"n/a\"\n");
        var reloaded = await Eventually.WaitForAsync(() => agent.StandardOutput, o => o.Contains("threat intel reloaded: 1 indicators from 1 file", StringComparison.Ordinal), attempts: 60, delayMilliseconds: 250);
        Assert.Contains("threat intel reloaded: 1 indicators from 1 file", reloaded, StringComparison.Ordinal);

        using var process = SpawnedProcess.Start(worker, ["300"]);
        var alerts = await Eventually.WaitForAsync(
            () => Ndjson.Parse(AtalayaCli.Run(["alerts", "--json", "--data-dir", data]).StandardOutput),
            found => found.Any(a => a.Int("process.pid") == process.Pid),
            attempts: 60, delayMilliseconds: 500);
        var alert = alerts.FirstOrDefault(a => a.Int("process.pid") == process.Pid);
        Assert.True(alert.ValueKind == System.Text.Json.JsonValueKind.Object, "no alert for the worker; agent output:\n" + agent.StandardOutput);
        Assert.Equal("confirmed malicious", alert.Str("atalaya.verdict"));

        PosixSignals.Send(agent.Pid, PosixSignals.SigTerm);
        Assert.True(agent.WaitForExit(TimeSpan.FromSeconds(60)), "the agent did not stop on SIGTERM:\n" + agent.StandardOutput);
    }

    private static string CopyOfSleep(TempDirectory temp, string name)
    {
        var path = temp.Combine(name);
        File.Copy("/usr/bin/sleep", path);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
        return path;
    }

    private static string Sha256Of(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
}
