using System.Security.Cryptography;
using System.Text;
using Atalaya.Core.Analytics;
using Atalaya.Core.Schema;

namespace Atalaya.Core.Scoring;

/// <summary>
/// Turns an entity's score into an alert event: the entity's fields from the signals' subjects,
/// the strongest signal as the rule (with its author, license and reference when a rule set wrote
/// it), every contribution as evidence, and one plain sentence in English and one in Spanish.
/// </summary>
public static class AlertBuilder
{
    public const string Ruleset = "atalaya-analytics";

    public static EcsEvent Build(string entityKey, RiskScore score, DateTimeOffset now)
    {
        if (score.Signals.Count == 0)
        {
            throw new ArgumentException("an alert needs at least one signal", nameof(score));
        }

        var ordered = score.Signals.OrderByDescending(s => s.Contribution).ToList();
        var strongest = ordered[0];
        var processSubject = ordered.Select(s => s.Subject).FirstOrDefault(e => e.Event.Category.Contains(EventCategories.Process))
                             ?? strongest.Subject;
        var networkSubject = ordered.Select(s => s.Subject).FirstOrDefault(e => e.Event.Category.Contains(EventCategories.Network));
        var fileSubject = ordered.Select(s => s.Subject).FirstOrDefault(e => e.File is not null);
        var techniques = ordered.SelectMany(s => s.Techniques).Distinct(StringComparer.Ordinal).ToList();
        var severity = score.Severity;
        var evidence = ordered.Select(s => new EvidenceItem
        {
            Signal = s.SourceId,
            Weight = s.Weight,
            Confidence = s.Confidence,
            Detail = s.Detail,
            Techniques = s.Techniques.Count > 0 ? s.Techniques : null,
            Domain = DomainWord(s.Domain),
        }).ToList();
        if (score.CrossDomainBonus > 0)
        {
            evidence.Add(new EvidenceItem
            {
                Signal = "atalaya.score.cross-domain",
                Weight = score.CrossDomainBonus,
                Confidence = 1,
                Detail = $"signals in {score.Domains.Count} domains ({string.Join(", ", score.Domains.Select(DomainWord))}) within {RiskScore.CrossDomainWindow.TotalMinutes:0} minutes add {score.CrossDomainBonus}",
            });
        }

        if (PackageContext(processSubject) is { } packageContext)
        {
            evidence.Add(packageContext);
        }

        var summary = Summarize(score, ordered);
        var alertId = AlertId(entityKey);
        return new EcsEvent
        {
            Timestamp = now,
            Event = new EventFields
            {
                Kind = EventKinds.Alert,
                Category = processSubject.Event.Category,
                Type = [EventTypes.Info],
                Action = "alert",
                Dataset = Datasets.Alert,
                Module = "atalaya",
                Id = $"{alertId}-{score.Score}",
                RiskScore = score.Score,
                Severity = score.Score,
                Reason = summary,
                Start = ordered.Min(s => s.Timestamp),
            },
            Host = processSubject.Host,
            Process = processSubject.Process ?? networkSubject?.Process,
            Source = networkSubject?.Source,
            Destination = networkSubject?.Destination,
            Network = networkSubject?.Network,
            File = fileSubject?.File,
            User = processSubject.User,
            Rule = new RuleFields
            {
                Id = strongest.SourceId,
                Name = strongest.SourceName,
                Ruleset = strongest.Rule?.Ruleset ?? Ruleset,
                Author = strongest.Rule?.Author ?? "Atalaya",
                License = strongest.Rule?.License,
                Reference = strongest.Rule?.Reference,
            },
            Threat = techniques.Count == 0 ? null : new ThreatFields
            {
                Framework = "MITRE ATT&CK",
                Technique = new TechniqueFields
                {
                    Id = techniques,
                    Name = techniques.Select(t => Techniques.NameOf(t) ?? t).ToList(),
                },
            },
            Atalaya = new AtalayaFields
            {
                Verdict = score.Verdict,
                Severity = severity?.Word(),
                Summary = summary,
                SummaryEs = SpanishSummary.Summarize(score, ordered),
                AlertId = alertId,
                EntityKey = entityKey,
                Evidence = evidence,
                Process = processSubject.Atalaya?.Process,
                Network = networkSubject?.Atalaya?.Network,
                File = fileSubject?.Atalaya?.File,
            },
        };
    }

    /// <summary>Same entity, same alert id: the store updates the alert instead of adding one per re-score.</summary>
    public static string AlertId(string entityKey)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(entityKey), hash);
        return "al-" + Convert.ToHexStringLower(hash[..12]);
    }

    private static string Summarize(RiskScore score, IReadOnlyList<Signal> ordered)
    {
        var verdict = char.ToUpperInvariant(score.Verdict[0]) + score.Verdict[1..];
        var more = ordered.Count > 1 ? $" (and {ordered.Count - 1} more signal{(ordered.Count > 2 ? "s" : "")})" : "";
        return $"{verdict} ({score.Score}/100): {ordered[0].Detail}{more}.";
    }

    /// <summary>
    /// Whether the subject's executable came from a package, as context for the analyst (weight 0, no
    /// domain: it scores nothing and stays off incident timelines). Said only when it was checked.
    /// </summary>
    private static EvidenceItem? PackageContext(EcsEvent subject)
    {
        if (subject.Process?.Executable is not { } executable || subject.Atalaya?.Process?.Packaged is not { } packaged)
        {
            return null;
        }

        return new EvidenceItem
        {
            Signal = "atalaya.context.package",
            Weight = 0,
            Confidence = 1,
            Detail = packaged && subject.Atalaya.Process.Package is { } package
                ? $"{executable} is from package {package}"
                : $"{executable} is not from any package",
        };
    }

    private static string DomainWord(SignalDomain domain) => domain.ToString().ToLowerInvariant();
}
