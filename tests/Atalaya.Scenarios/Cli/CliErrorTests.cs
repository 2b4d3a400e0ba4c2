using Atalaya.TestKit;

namespace Atalaya.Scenarios.Cli;

/// <summary>Bad input gets one clear line and exit code 2, never a stack trace.</summary>
public sealed class CliErrorTests
{
    [Theory]
    [InlineData("scan", "--fail-on", "extreme")]
    [InlineData("alerts", "--since", "yesterday-ish")]
    [InlineData("run", "--duration", "forever")]
    [InlineData("no-such-verb")]
    [InlineData("events", "--pid", "abc")]
    public void Bad_arguments_exit_2_with_a_message(params string[] arguments)
    {
        using var temp = new TempDirectory();
        AtalayaCli.Run(["scan", "--no-store", "--data-dir", temp.Path]); // so read verbs find a store
        var result = AtalayaCli.Run([.. arguments, "--data-dir", temp.Path]);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith("atalaya: ", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void Reading_a_data_directory_without_a_store_says_how_to_start()
    {
        using var temp = new TempDirectory();
        var result = AtalayaCli.Run(["alerts", "--data-dir", temp.Combine("empty")]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("atalaya run", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void A_broken_config_file_is_a_clear_error()
    {
        using var temp = new TempDirectory();
        var config = temp.WriteFile("atalaya.json", "{ \"processIntervalSeconds\": \"fast\" ");
        var result = AtalayaCli.Run(["scan", "--config", config, "--data-dir", temp.Path]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(config, result.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("run")]
    [InlineData("scan")]
    [InlineData("alerts")]
    [InlineData("events")]
    [InlineData("status")]
    public void Every_verb_has_help(string verb)
    {
        var result = AtalayaCli.Run([verb, "--help"]);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("--data-dir", result.StandardOutput, StringComparison.Ordinal);
    }
}
