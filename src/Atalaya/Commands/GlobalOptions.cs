using System.CommandLine;
using Atalaya.Cli.Hosting;

namespace Atalaya.Cli.Commands;

/// <summary>Options every verb accepts (DESIGN section 6).</summary>
internal static class GlobalOptions
{
    public static readonly Option<string?> DataDir = new("--data-dir")
    {
        Description = "Where the store lives (default /var/lib/atalaya as root, else ~/.local/share/atalaya; env ATALAYA_DATA_DIR)",
        Recursive = true,
    };

    public static readonly Option<string?> Config = new("--config")
    {
        Description = "JSON configuration file (intervals, retention, data and rules folders)",
        Recursive = true,
    };

    /// <summary>Extra Sigma rule folders for run and scan (repeatable), on top of the shipped rules/sigma.</summary>
    public static readonly Option<string[]> Rules = new("--rules")
    {
        Description = "A folder of Sigma rules to load as well as the shipped ones (repeatable)",
        AllowMultipleArgumentsPerToken = false,
    };

    public static AgentConfig LoadConfig(ParseResult parse) => AgentConfig.Load(parse.GetValue(Config));

    public static string ResolveDataDir(ParseResult parse, AgentConfig config) => DataDirectory.Resolve(parse.GetValue(DataDir), config);
}
