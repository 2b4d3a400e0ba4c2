using Atalaya.Core.Detection.Sigma;

namespace Atalaya.Core.Tests.Sigma;

/// <summary>
/// The real SigmaHQ Linux rules (<c>&lt;repo&gt;/../shared/sigma</c>, see its SOURCE.md) and the
/// project's own pack (<c>rules/sigma</c>), read from disk by the tests (Core itself does no I/O).
/// </summary>
internal static class SigmaCorpus
{
    public static string? SigmaHqLinux()
    {
        var root = Path.GetFullPath(Path.Combine(TestCatalog.RepositoryRoot(), "..", "shared", "sigma", "rules", "linux"));
        return Directory.Exists(root) ? root : null;
    }

    public static string OwnPack() => Path.Combine(TestCatalog.RepositoryRoot(), "rules", "sigma");

    public static IEnumerable<string> RuleFiles(string directory) =>
        Directory.EnumerateFiles(directory, "*.*", SearchOption.AllDirectories)
            .Where(f => (f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith(".yaml", StringComparison.Ordinal))
                        && !f.EndsWith(".cases.yaml", StringComparison.Ordinal) && !f.EndsWith(".cases.yml", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);

    public static List<SigmaLoadResult> Load(string directory, SigmaRuleSource source) =>
        [.. RuleFiles(directory).SelectMany(f => SigmaRuleLoader.Load(f, File.ReadAllText(f), source))];

    /// <summary>Every rule we can have loaded at once: SigmaHQ (when present) and our pack.</summary>
    public static SigmaRuleSet All()
    {
        var results = new List<SigmaLoadResult>();
        if (SigmaHqLinux() is { } hq)
        {
            results.AddRange(Load(hq, SigmaRuleSource.External));
        }

        if (Directory.Exists(OwnPack()))
        {
            results.AddRange(Load(OwnPack(), SigmaRuleSource.Shipped));
        }

        return SigmaRuleSet.Create(results);
    }
}
