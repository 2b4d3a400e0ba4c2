namespace Atalaya.Cli.Hosting;

/// <summary>Finds the rules/ data folder: configured, beside the binary, or in the source tree (dotnet run).</summary>
internal static class RulesDirectory
{
    public static string Resolve(AgentConfig config)
    {
        if (config.RulesDir is { } configured)
        {
            return Directory.Exists(configured) ? configured : throw new CliException($"the rules folder {configured} does not exist");
        }

        var beside = Path.Combine(AppContext.BaseDirectory, "rules");
        if (Directory.Exists(beside))
        {
            return beside;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "rules");
            if (File.Exists(Path.Combine(dir.FullName, "Atalaya.slnx")) && Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new CliException($"no rules folder beside {AppContext.BaseDirectory}; set rulesDir in the config file");
    }
}
