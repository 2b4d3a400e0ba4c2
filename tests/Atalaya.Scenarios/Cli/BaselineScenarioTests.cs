using System.Text.Json;
using Atalaya.TestKit;

namespace Atalaya.Scenarios.Cli;

/// <summary><c>atalaya baseline learn|list|diff|rollback</c> through the real CLI and real sensors.</summary>
public sealed class BaselineScenarioTests
{
    [Fact]
    public void Learn_records_a_running_program_and_versions_diff_and_roll_back()
    {
        using var temp = new TempDirectory();
        var data = temp.Combine("data");

        // A program only this test runs: a copy of sleep under a unique path.
        var probe = temp.Combine("baseline-probe");
        File.Copy("/usr/bin/sleep", probe);
        File.SetUnixFileMode(probe, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        using (SpawnedProcess.Start(probe, ["60"]))
        {
            var first = AtalayaCli.Run(["baseline", "learn", "--for", "4s", "--promote-after", "1", "--data-dir", data]);
            Assert.True(first.ExitCode == 0, first.ToString());
            Assert.Contains("version 1: ", first.StandardOutput, StringComparison.Ordinal);
        }

        var empty = AtalayaCli.Run(["baseline", "diff", "1", "1", "--data-dir", data]);
        Assert.Equal("0 added, 0 removed", empty.Lines.Last());

        var second = AtalayaCli.Run(["baseline", "learn", "--for", "2s", "--promote-after", "1", "--data-dir", data]);
        Assert.True(second.ExitCode == 0, second.ToString());
        var rollback = AtalayaCli.Run(["baseline", "rollback", "1", "--data-dir", data]);
        Assert.True(rollback.ExitCode == 0, rollback.ToString());
        Assert.Contains("version 3: ", rollback.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("rollback to version 1", rollback.StandardOutput, StringComparison.Ordinal);

        // 2 kept everything 1 had (versions only grow while learning); 3 is 1 again.
        var grown = AtalayaCli.Run(["baseline", "diff", "1", "2", "--data-dir", data]);
        Assert.DoesNotContain(grown.Lines, l => l.StartsWith("- ", StringComparison.Ordinal));
        var back = AtalayaCli.Run(["baseline", "diff", "2", "3", "--data-dir", data]);
        Assert.DoesNotContain(back.Lines, l => l.StartsWith("+ ", StringComparison.Ordinal));
        Assert.Equal("0 added, 0 removed", AtalayaCli.Run(["baseline", "diff", "1", "3", "--data-dir", data]).Lines.Last());

        var list = AtalayaCli.Run(["baseline", "list", "--json", "--data-dir", data]);
        var versions = list.Lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal([1, 2, 3], versions.Select(v => v.GetProperty("version").GetInt32()));
        Assert.Equal([false, false, true], versions.Select(v => v.GetProperty("active").GetBoolean()));
        Assert.Equal(versions[0].GetProperty("items").GetInt32(), versions[2].GetProperty("items").GetInt32());

        // Version 1 holds the probe's executable with its hash and its parent->child pair.
        var shown = AtalayaCli.Run(["baseline", "show", "1", "--data-dir", data]);
        Assert.True(shown.ExitCode == 0, shown.ToString());
        var executable = Assert.Single(shown.Lines, l => l.StartsWith($"executable {probe} sha256:", StringComparison.Ordinal));
        Assert.Matches("^executable .* sha256:[0-9a-f]{64}$", executable);
        Assert.Contains(shown.Lines, l => l.StartsWith("parent-child ", StringComparison.Ordinal) && l.EndsWith($" > {probe}", StringComparison.Ordinal));

        // A fact seen once is not promoted when two sightings are required.
        var fresh = temp.Combine("fresh");
        var strict = AtalayaCli.Run(["baseline", "learn", "--for", "1s", "--promote-after", "2", "--data-dir", fresh]);
        Assert.True(strict.ExitCode == 0, strict.ToString());
        Assert.Contains("version 1: 0 items (0 promoted)", strict.StandardOutput, StringComparison.Ordinal);

        var missing = AtalayaCli.Run(["baseline", "rollback", "99", "--data-dir", data]);
        Assert.Equal(2, missing.ExitCode);
        Assert.Equal("atalaya: there is no baseline version 99 (see atalaya baseline list)", missing.StandardError.Trim());
    }
}
