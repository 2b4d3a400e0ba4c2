using System.Security.Cryptography;
using Atalaya.TestKit;

namespace Atalaya.Scenarios.Cli;

/// <summary>`atalaya allow` against `atalaya scan` on real processes.</summary>
public sealed class AllowScenarioTests
{
    [Fact]
    public void An_allowed_masquerade_stops_alerting_and_re_arms_when_the_entry_expires()
    {
        using var temp = new TempDirectory();
        var data = temp.Combine("data");
        var fake = temp.Combine("sshd");
        File.Copy("/usr/bin/sleep", fake);
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        var hash = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(fake)));
        using var disguised = SpawnedProcess.Start(fake, ["300"]);

        Assert.Contains(Scan(data), a => a.Int("process.pid") == disguised.Pid);

        var added = AtalayaCli.Run(["allow", "add", "--executable", fake, "--sha256", hash, "--for", "1d", "--why", "lab copy", "--json", "--data-dir", data]);
        Assert.True(added.ExitCode == 0, added.ToString());
        var entry = Ndjson.Parse(added.StandardOutput).Single();
        Assert.Equal(fake, entry.Str("executable"));
        Assert.Equal(hash, entry.Str("sha256"));
        Assert.Equal("lab copy", entry.Str("why"));
        Assert.False(string.IsNullOrEmpty(entry.Str("who")));
        Assert.False(entry.Path("expired")?.GetBoolean());

        Assert.DoesNotContain(Scan(data), a => a.Int("process.pid") == disguised.Pid);

        // The same trust, expired a minute ago (no waiting out a TTL): the detection is armed again.
        var id = entry.Int("id")!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(0, AtalayaCli.Run(["allow", "remove", id, "--data-dir", data]).ExitCode);
        var past = DateTimeOffset.UtcNow.AddMinutes(-1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var expired = AtalayaCli.Run(["allow", "add", "--executable", fake, "--sha256", hash, "--until", past, "--why", "lab copy", "--data-dir", data]);
        Assert.True(expired.ExitCode == 0, expired.ToString());
        Assert.Contains("already expired", expired.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("expired", AtalayaCli.Run(["allow", "list", "--data-dir", data]).StandardOutput, StringComparison.Ordinal);

        Assert.Contains(Scan(data), a => a.Int("process.pid") == disguised.Pid);
    }

    [Fact]
    public void A_hash_pinned_entry_does_not_cover_a_different_file_and_remove_deletes_it()
    {
        using var temp = new TempDirectory();
        var data = temp.Combine("data");
        var fake = temp.Combine("cron");
        File.Copy("/usr/bin/sleep", fake);
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        using var disguised = SpawnedProcess.Start(fake, ["300"]);

        var added = AtalayaCli.Run(["allow", "add", "--executable", fake, "--sha256", new string('a', 64), "--for", "1d", "--why", "other build", "--data-dir", data]);
        Assert.True(added.ExitCode == 0, added.ToString());
        Assert.Contains(Scan(data), a => a.Int("process.pid") == disguised.Pid);

        var list = AtalayaCli.Run(["allow", "list", "--data-dir", data]);
        Assert.Contains("active", list.StandardOutput, StringComparison.Ordinal);
        Assert.Contains(fake, list.StandardOutput, StringComparison.Ordinal);
        var id = Ndjson.Parse(AtalayaCli.Run(["allow", "list", "--json", "--data-dir", data]).StandardOutput).Single().Int("id")!.Value;

        Assert.Equal(0, AtalayaCli.Run(["allow", "remove", id.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data-dir", data]).ExitCode);
        Assert.Empty(Ndjson.Parse(AtalayaCli.Run(["allow", "list", "--json", "--data-dir", data]).StandardOutput));
        var again = AtalayaCli.Run(["allow", "remove", id.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data-dir", data]);
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("no allowlist entry", again.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--executable", "relative/path", "--for", "7d")]
    [InlineData("--executable", "/bin/x", "--for", "soon")]
    [InlineData("--executable", "/bin/x", "--for", "-1d")]
    [InlineData("--executable", "/bin/x", "--until", "tomorrow")]
    [InlineData("--executable", "/bin/x", "--sha256", "abc")]
    [InlineData("--executable", "/bin/x", "--destination", "999.1.1.1:80")]
    [InlineData("--executable", "/bin/x", "--destination", "198.51.100.1:70000")]
    public void Bad_allow_arguments_are_a_clear_error(string a, string b, string c, string d)
    {
        using var temp = new TempDirectory();
        string[] args = ["allow", "add", a, b, c, d, "--why", "test", "--data-dir", temp.Combine("data")];
        if (c != "--for" && c != "--until")
        {
            args = [.. args, "--for", "1d"];
        }

        var result = AtalayaCli.Run(args);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith("atalaya: ", result.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(temp.Combine("data", "atalaya.db")) && Ndjson.Parse(AtalayaCli.Run(["allow", "list", "--json", "--data-dir", temp.Combine("data")]).StandardOutput).Count > 0);
    }

    private static List<System.Text.Json.JsonElement> Scan(string data)
    {
        var result = AtalayaCli.Run(["scan", "--json", "--no-store", "--data-dir", data]);
        Assert.True(result.ExitCode is 0 or 1, result.ToString());
        return Ndjson.Parse(result.StandardOutput);
    }
}
