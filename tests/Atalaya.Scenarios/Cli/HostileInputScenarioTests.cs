using Atalaya.TestKit;

namespace Atalaya.Scenarios.Cli;

/// <summary>Hostile process data (invalid UTF-8, terminal escapes, newlines, 100 KiB arguments) through the whole chain.</summary>
public sealed class HostileInputScenarioTests
{
    [Fact]
    public void A_masquerading_process_with_a_hostile_command_line_yields_valid_ndjson_and_a_safe_report()
    {
        using var temp = new TempDirectory();
        var fake = temp.Combine("sshd");
        File.Copy("/usr/bin/sleep", fake);
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserExecute);

        // python3 execs with raw bytes: .NET cannot pass invalid UTF-8 in an argument list.
        // sleep accepts several durations and sums them; the odd ones make it exit early, so
        // the hostile bytes go in argv[0] and the only duration is the last argument.
        const string script = "import os,sys; os.execv(sys.argv[1], [b'sshd\\xff\\xfe\\x1b[31m\\nINJECTED' + b'A' * 100000, b'300'])";
        using var hostile = SpawnedProcess.Start("/usr/bin/python3", ["-c", script, fake]);

        var json = AtalayaCli.Run(["scan", "--json", "--no-store", "--data-dir", temp.Combine("data")]);
        var alert = Ndjson.Parse(json.StandardOutput).SingleOrDefault(a => a.Int("process.pid") == hostile.Pid);
        Assert.True(alert.ValueKind == System.Text.Json.JsonValueKind.Object, json.ToString()[..Math.Min(4000, json.ToString().Length)]);
        var commandLine = alert.Str("process.command_line")!;
        Assert.Contains('\uFFFD', commandLine);
        Assert.Contains("\nINJECTED", commandLine, StringComparison.Ordinal);
        Assert.True(commandLine.Length > 100_000);

        var text = AtalayaCli.Run(["scan", "--no-store", "--data-dir", temp.Combine("data")]);
        Assert.Equal(1, text.ExitCode);
        Assert.DoesNotContain("\u001b[31m", text.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("\nINJECTED", text.StandardOutput, StringComparison.Ordinal);
        Assert.True(text.StandardOutput.Length < 50_000, "the human report must not print 100 KiB command lines");
    }
}
