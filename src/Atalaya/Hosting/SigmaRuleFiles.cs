using Atalaya.Core.Detection.Sigma;

namespace Atalaya.Cli.Hosting;

/// <summary>
/// Reads Sigma rule files from folders (the I/O half of loading; compiling is Core's). Every
/// <c>*.yml</c>/<c>*.yaml</c> below the folder is a rule file except <c>*.cases.yaml</c>. A file
/// that cannot be read becomes an error result for that file, never an exception.
/// </summary>
internal static class SigmaRuleFiles
{
    /// <summary>The project's own pack: <c>sigma/</c> inside the rules folder.</summary>
    public static string ShippedFolder(AgentConfig config) => Path.Combine(RulesDirectory.Resolve(config), "sigma");

    public static IEnumerable<string> Enumerate(string directory) =>
        Directory.EnumerateFiles(directory, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, MaxRecursionDepth = 16 })
            .Where(IsRuleFile)
            .Order(StringComparer.Ordinal);

    public static bool IsRuleFile(string path) =>
        (path.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase))
        && !path.EndsWith(".cases.yaml", StringComparison.OrdinalIgnoreCase) && !path.EndsWith(".cases.yml", StringComparison.OrdinalIgnoreCase);

    public static List<SigmaLoadResult> LoadFolder(string directory, SigmaRuleSource source)
    {
        if (!Directory.Exists(directory))
        {
            throw new CliException($"the rules folder {directory} does not exist");
        }

        return [.. Enumerate(directory).SelectMany(path => LoadFile(path, source))];
    }

    public static IReadOnlyList<SigmaLoadResult> LoadFile(string path, SigmaRuleSource source)
    {
        string text;
        try
        {
            var info = new FileInfo(path);
            if (info.Length > SigmaRuleLoader.MaxFileChars * 4L)
            {
                return [Unreadable(path, $"file larger than {SigmaRuleLoader.MaxFileChars / 1024} KiB")];
            }

            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [Unreadable(path, "cannot read: " + ex.Message)];
        }

        return SigmaRuleLoader.Load(path, text, source);
    }

    /// <summary>The shipped pack plus every <c>--rules DIR</c>, as the agent and the scan use them.</summary>
    public static SigmaRuleSet LoadForAgent(AgentConfig config, IReadOnlyList<string> extraFolders)
    {
        var results = new List<SigmaLoadResult>();
        var shipped = ShippedFolder(config);
        if (Directory.Exists(shipped))
        {
            results.AddRange(LoadFolder(shipped, SigmaRuleSource.Shipped));
        }

        foreach (var folder in extraFolders)
        {
            results.AddRange(LoadFolder(folder, SigmaRuleSource.External));
        }

        return SigmaRuleSet.Create(results);
    }

    private static SigmaLoadResult Unreadable(string path, string message) =>
        new() { Path = path, Status = SigmaLoadStatus.Error, Code = SigmaCodes.Yaml, Message = message };
}
