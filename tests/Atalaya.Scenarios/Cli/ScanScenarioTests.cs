using System.Text.Json;
using Atalaya.TestKit;

namespace Atalaya.Scenarios.Cli;

/// <summary>`atalaya scan` on the real host, with real processes started by the test.</summary>
public sealed class ScanScenarioTests
{
    [Fact]
    public void A_copy_of_sleep_named_sshd_in_a_temp_dir_is_reported_as_masquerading()
    {
        using var temp = new TempDirectory();
        var fake = temp.Combine("sshd");
        File.Copy("/usr/bin/sleep", fake);
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
        using var disguised = SpawnedProcess.Start(fake, ["300"]);

        var result = AtalayaCli.Run(["scan", "--json", "--no-store", "--data-dir", temp.Combine("data")]);

        Assert.True(result.ExitCode == 1, result.ToString());
        var alert = Ndjson.Parse(result.StandardOutput).Single(a => a.Int("process.pid") == disguised.Pid);
        Assert.Contains("T1036.005", alert.Strings("threat.technique.id"));
        Assert.True(alert.Int("event.risk_score") >= 75, alert.ToString());
        Assert.Equal(fake, alert.Str("process.executable"));
        AssertAlertContract(alert);
    }

    [Fact]
    public void A_plain_sleep_gives_no_finding_at_medium_or_above()
    {
        using var temp = new TempDirectory();
        using var sleep = SpawnedProcess.Start("/usr/bin/sleep", ["300"]);

        var result = AtalayaCli.Run(["scan", "--json", "--no-store", "--data-dir", temp.Combine("data")]);

        Assert.True(result.ExitCode is 0 or 1, result.ToString());
        var alerts = Ndjson.Parse(result.StandardOutput); // every line must be valid JSON
        Assert.DoesNotContain(alerts, a => a.Int("process.pid") == sleep.Pid);
        // The exit code agrees with the findings: 1 exactly when something reaches medium (50).
        Assert.Equal(alerts.Any(a => a.Int("event.risk_score") >= 50) ? 1 : 0, result.ExitCode);
    }

    [Fact]
    public void Fail_on_critical_exits_zero_for_a_high_finding_and_the_table_explains_it()
    {
        using var temp = new TempDirectory();
        var fake = temp.Combine("cron");
        File.Copy("/usr/bin/sleep", fake);
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        using var disguised = SpawnedProcess.Start(fake, ["300"]);

        var result = AtalayaCli.Run(["scan", "--fail-on", "critical", "--data-dir", temp.Combine("data")]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("cron runs from " + fake, result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("Nothing at critical severity or above", result.StandardOutput, StringComparison.Ordinal);

        // The scan recorded its findings: `alerts --json` shows them afterwards.
        var stored = AtalayaCli.Run(["alerts", "--json", "--data-dir", temp.Combine("data")]);
        Assert.Equal(0, stored.ExitCode);
        Assert.Contains(Ndjson.Parse(stored.StandardOutput), a => a.Int("process.pid") == disguised.Pid);
    }

    /// <summary>The fields DESIGN section 6 promises on every alert.</summary>
    internal static void AssertAlertContract(JsonElement alert)
    {
        Assert.NotNull(alert.Str("@timestamp"));
        Assert.Equal("alert", alert.Str("event.kind"));
        Assert.Equal(alert.Int("event.risk_score"), alert.Int("event.severity"));
        Assert.Contains(alert.Str("atalaya.verdict"), new[] { "low risk", "suspicious", "likely malicious", "confirmed malicious" });
        Assert.Contains(alert.Str("atalaya.severity"), new[] { "low", "medium", "high", "critical" });
        Assert.False(string.IsNullOrEmpty(alert.Str("rule.id")));
        Assert.False(string.IsNullOrEmpty(alert.Str("rule.name")));
        Assert.Equal(JsonValueKind.Array, alert.Path("threat.technique.id")?.ValueKind);
        var evidence = alert.Path("atalaya.evidence")!.Value.EnumerateArray().ToList();
        Assert.NotEmpty(evidence);
        Assert.All(evidence, e =>
        {
            Assert.NotNull(e.Str("signal"));
            Assert.NotNull(e.Int("weight"));
            Assert.Equal(JsonValueKind.Number, e.Path("confidence")?.ValueKind);
            Assert.NotNull(e.Str("detail"));
        });
    }
}
