using Atalaya.Core.Yara;
using Atalaya.Platform.Linux.Yara;

namespace Atalaya.Cli.Hosting;

/// <summary>
/// Compiles the YARA rules folder (config <c>yaraRulesDir</c>, default rules/yara). A file libyara
/// refuses is reported with its line and skipped; libyara missing turns YARA off with the reason and
/// nothing else changes.
/// </summary>
internal static class YaraSetup
{
    public static string RulesFolder(AgentConfig config) => config.YaraRulesDir ?? Path.Combine(RulesDirectory.Resolve(config), "yara");

    /// <summary>The compilation (for status and messages) and the analytic, null when YARA is off or has no rules.</summary>
    public static (YaraCompilation Compilation, YaraAnalytic? Analytic) Load(AgentConfig config, Action<string>? warn = null)
    {
        if (!config.Yara)
        {
            return (new YaraCompilation { UnavailableReason = "disabled by configuration (yara: false)" }, null);
        }

        var compilation = YaraCompiler.CompileFolder(RulesFolder(config));
        foreach (var error in compilation.Errors)
        {
            (warn ?? Warn)($"YARA rule file not loaded: {error}");
        }

        return (compilation, compilation.Rules is { RuleCount: > 0 } rules ? new YaraAnalytic(rules) : null);
    }

    /// <summary>One line for `run` and `status`: "12 rules from 3 files" or why YARA is off.</summary>
    public static string Describe(YaraCompilation compilation) => compilation switch
    {
        { UnavailableReason: { } reason } => "unavailable: " + reason,
        _ => $"{compilation.RuleCount:N0} rule{(compilation.RuleCount == 1 ? "" : "s")} from {compilation.FilesCompiled.Count:N0} file{(compilation.FilesCompiled.Count == 1 ? "" : "s")}"
            + (compilation.Errors.Count > 0 ? $", {compilation.Errors.Count:N0} error{(compilation.Errors.Count == 1 ? "" : "s")}" : string.Empty),
    };

    private static void Warn(string message) => Console.Error.WriteLine("atalaya: warning: " + message);
}
