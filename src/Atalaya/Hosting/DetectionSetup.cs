using Atalaya.Core.Analytics;
using Atalaya.Core.Analytics.Network;
using Atalaya.Core.Baseline;
using Atalaya.Core.Detection;
using Atalaya.Core.Detection.Sigma;
using Atalaya.Core.Intel;
using Atalaya.Core.Scoring;

namespace Atalaya.Cli.Hosting;

/// <summary>
/// Builds the detection engine from the rules/ data folder: the catalog-driven analytics plus the
/// Sigma rules (the shipped rules/sigma and every <c>--rules DIR</c>). Broken rules never stop the
/// agent: they are counted on stderr and listed by <c>atalaya rules check</c>.
/// </summary>
internal static class DetectionSetup
{
    public static DetectionEngine CreateEngine(
        AgentConfig config,
        TimeProvider time,
        IReadOnlyList<string>? ruleFolders = null,
        BaselineSet? baseline = null,
        ThreatIntelAnalytic? intel = null,
        IAnalytic? yara = null,
        BaselineRunLearning? learning = null)
    {
        var rules = RulesDirectory.Resolve(config);
        var catalog = LoadCatalog(rules, "system-binaries.yml", SystemBinaryCatalog.Parse);
        var processes = LoadCatalog(rules, "process-behaviour.yml", ProcessBehaviourCatalog.Parse);
        var ports = LoadCatalog(rules, "ports.yml", PortCatalog.Parse);

        var sigma = SigmaRuleFiles.LoadForAgent(config, ruleFolders ?? []);
        var broken = sigma.Count(SigmaLoadStatus.Error);
        if (broken > 0)
        {
            Console.Error.WriteLine($"atalaya: warning: {broken} Sigma rule{(broken == 1 ? " has errors and is" : "s have errors and are")} not loaded (see atalaya rules check)");
        }

        // The baseline (after `atalaya baseline learn`) adds first-seen signals and lowers signals on
        // known executables; without one both are inert.
        // Learning inside `run` swaps the committed baseline into both when its period ends.
        baseline ??= BaselineSet.Empty;
        var dampener = new BaselineSignalDampener(baseline);
        var firstSeen = new FirstSeenAnalytic(baseline);
        if (learning is not null)
        {
            learning.BaselineChanged += set =>
            {
                firstSeen.Replace(set);
                dampener.Replace(set);
            };
        }

        IAnalytic[] optional = [.. intel is null ? Array.Empty<IAnalytic>() : [intel], .. yara is null ? Array.Empty<IAnalytic>() : [yara], .. learning is null ? Array.Empty<IAnalytic>() : [learning]];
        return new DetectionEngine([.. BuiltInAnalytics.Create(catalog, processes, ports, internalNetworks: config.ParsedInternalNetworks), new SigmaAnalytic(sigma), firstSeen, .. optional], new RiskScorer(), time)
        {
            AdjustSignal = baseline.Count == 0 && learning is null ? null : dampener.Apply,
        };
    }

    /// <summary>Reads one catalog under rules/catalogs; a broken catalog is a clear error naming file and line.</summary>
    private static T LoadCatalog<T>(string rules, string fileName, Func<string, T> parse)
    {
        var path = Path.Combine(rules, "catalogs", fileName);
        try
        {
            return parse(File.ReadAllText(path));
        }
        catch (CatalogException ex)
        {
            throw new CliException($"{path}: {ex.Message}", ex);
        }
        catch (IOException ex)
        {
            throw new CliException($"cannot read {path}: {ex.Message}", ex);
        }
    }

    /// <summary>Loads the intel folders once and returns the analytic; the loader keeps watching for `run`.</summary>
    public static (ThreatIntelAnalytic Analytic, ThreatIntelFiles Files) LoadThreatIntel(AgentConfig config, string dataDirectory)
    {
        var files = ThreatIntelFiles.ForAgent(config, dataDirectory, message => Console.Error.WriteLine("atalaya: warning: " + message));
        return (new ThreatIntelAnalytic(files.Load()), files);
    }
}
