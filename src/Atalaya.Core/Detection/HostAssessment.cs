using Atalaya.Core.Enrichment;
using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;

namespace Atalaya.Core.Detection;

/// <summary>
/// The one-shot "am I hacked?" pass: every snapshot source's state, through the same enrichment,
/// analytics and scoring as the running agent, reduced to the final alert per entity.
/// Process snapshots go first so every other source's events find their owner process.
/// </summary>
public static class HostAssessment
{
    public static AssessmentResult Run(
        IReadOnlyList<ISnapshotSource> sources,
        DetectionEngine engine,
        ProcessTableEnricher enricher,
        CancellationToken cancellationToken)
    {
        var latestByAlert = new Dictionary<string, EcsEvent>(StringComparer.Ordinal);
        var alerts = new List<EcsEvent>();
        var events = new List<EcsEvent>();
        var failures = new List<string>();
        var ordered = sources.OrderBy(s => s.Name == EventCategories.Process ? 0 : 1).ToList();
        foreach (var source in ordered)
        {
            IReadOnlyList<EcsEvent> snapshot;
            try
            {
                snapshot = source.TakeSnapshot(cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                failures.Add($"{source.Name}: {ex.Message}");
                continue;
            }

            foreach (var value in snapshot)
            {
                var enriched = enricher.Enrich(value);
                events.Add(enriched);
                alerts.Clear();
                engine.Process(enriched, alerts);
                foreach (var alert in alerts)
                {
                    latestByAlert[alert.Atalaya!.AlertId!] = alert;
                }
            }
        }

        var findings = latestByAlert.Values
            .OrderByDescending(a => a.Event.RiskScore)
            .ThenBy(a => a.Process?.Pid)
            .ToList();
        return new AssessmentResult(findings, events, failures);
    }
}

/// <summary>What a scan found: the alerts (highest score first), the state it looked at, and sources that failed.</summary>
public sealed record AssessmentResult(IReadOnlyList<EcsEvent> Alerts, IReadOnlyList<EcsEvent> Observed, IReadOnlyList<string> SourceFailures);
