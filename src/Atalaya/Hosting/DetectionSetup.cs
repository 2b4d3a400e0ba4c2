using Atalaya.Core.Analytics;
using Atalaya.Core.Detection;
using Atalaya.Core.Scoring;

namespace Atalaya.Cli.Hosting;

/// <summary>Builds the detection engine from the rules/ data folder.</summary>
internal static class DetectionSetup
{
    public static DetectionEngine CreateEngine(AgentConfig config, TimeProvider time)
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

        var processesPath = Path.Combine(rules, "catalogs", "process-behaviour.yml");
        ProcessBehaviourCatalog processes;
        try
        {
            processes = ProcessBehaviourCatalog.Parse(File.ReadAllText(processesPath));
        }
        catch (CatalogException ex)
        {
            throw new CliException($"{processesPath}: {ex.Message}", ex);
        }
        catch (IOException ex)
        {
            throw new CliException($"cannot read {processesPath}: {ex.Message}", ex);
        }

        return new DetectionEngine(BuiltInAnalytics.Create(catalog, processes), new RiskScorer(), time);
    }
}
