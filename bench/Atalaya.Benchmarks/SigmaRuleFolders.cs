using Atalaya.Core.Detection.Sigma;

namespace Atalaya.Benchmarks;

/// <summary>Finds the SigmaHQ corpus (<c>&lt;repo&gt;/../shared/sigma/rules/linux</c>) and the shipped pack (<c>rules/sigma</c>).</summary>
internal static class SigmaRuleFolders
{
    public static string RepositoryRoot()
    {
        // BenchmarkDotNet runs from a generated folder under bin/; the environment variable wins.
        if (Environment.GetEnvironmentVariable("ATALAYA_REPO") is { Length: > 0 } configured)
        {
            return configured;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Atalaya.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("repository root not found; set ATALAYA_REPO");
    }

    public static List<(string Path, string Text)> ReadAll()
    {
        var root = RepositoryRoot();
        var corpus = Path.GetFullPath(Path.Combine(root, "..", "shared", "sigma", "rules", "linux"));
        if (!Directory.Exists(corpus))
        {
            throw new InvalidOperationException($"the SigmaHQ corpus is not at {corpus}");
        }

        return [.. new[] { corpus, Path.Combine(root, "rules", "sigma") }
            .SelectMany(d => Directory.EnumerateFiles(d, "*.yml", SearchOption.AllDirectories))
            .Order(StringComparer.Ordinal)
            .Select(f => (f, File.ReadAllText(f)))];
    }

    public static SigmaRuleSet Load(List<(string Path, string Text)> files) =>
        SigmaRuleSet.Create(files.SelectMany(f => SigmaRuleLoader.Load(f.Path, f.Text,
            f.Path.Contains("/shared/sigma/", StringComparison.Ordinal) ? SigmaRuleSource.External : SigmaRuleSource.Shipped)));
}
