using Atalaya.Core.Analytics;
using Atalaya.Core.Detection;
using Atalaya.Core.Detection.Sigma;
using Atalaya.Core.Scoring;

namespace Atalaya.Cli.Hosting;

/// <summary>
/// Builds the detection engine from the rules/ data folder: the catalog-driven analytics plus the
/// Sigma rules (the shipped rules/sigma and every <c>--rules DIR</c>). Broken rules never stop the
/// agent: they are counted on stderr and listed by <c>atalaya rules check</c>.
/// </summary>
internal static class DetectionSetup
{
    public static DetectionEngine CreateEngine(AgentConfig config, TimeProvider time, IReadOnlyList<string>? ruleFolders = null)
    {
        var rules = RulesDirectory.Resolve(config);
        var catalogPath = Path.Combine(rules, "catalogs", "system-binaries.yml");
        SystemBinaryCatalog catalog;
        try
        {
            catalog = SystemBinaryCatalog.Parse(File.ReadAllText(catalogPath));
        }
        catch (CatalogException ex)
        {
            throw new CliException($"{catalogPath}: {ex.Message}", ex);
        }
        catch (IOException ex)
        {
            throw new CliException($"cannot read {catalogPath}: {ex.Message}", ex);
        }

        var sigma = SigmaRuleFiles.LoadForAgent(config, ruleFolders ?? []);
        var broken = sigma.Count(SigmaLoadStatus.Error);
        if (broken > 0)
        {
            Console.Error.WriteLine($"atalaya: warning: {broken} Sigma rule{(broken == 1 ? " has errors and is" : "s have errors and are")} not loaded (see atalaya rules check)");
        }

        return new DetectionEngine([.. BuiltInAnalytics.Create(catalog), new SigmaAnalytic(sigma)], new RiskScorer(), time);
    }
}
