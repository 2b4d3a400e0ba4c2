using Atalaya.Core.Analytics;

namespace Atalaya.Core.Scoring;

/// <summary>
/// The explainable score of one entity: noisy-OR of weight × confidence over its signals, plus a
/// bonus when the signals span several domains close in time. Every number that went in is kept.
/// </summary>
public sealed record RiskScore(
    int Score,
    string Verdict,
    Severity? Severity,
    IReadOnlyList<Signal> Signals,
    int CrossDomainBonus,
    IReadOnlyList<SignalDomain> Domains)
{
    /// <summary>Bonus per extra domain (process + network = +10, + persistence = +20).</summary>
    public const int BonusPerExtraDomain = 10;

    /// <summary>Signals further apart than this do not earn the cross-domain bonus together.</summary>
    public static readonly TimeSpan CrossDomainWindow = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Noisy-OR: the entity is benign only if every signal is independently wrong, so
    /// p = 1 - Π(1 - wᵢcᵢ/100). Two medium signals make more than either, never more than 100.
    /// </summary>
    public static RiskScore Compute(IReadOnlyList<Signal> signals)
    {
        if (signals.Count == 0)
        {
            return new RiskScore(0, Verdicts.Benign, null, signals, 0, []);
        }

        var benignProbability = 1.0;
        foreach (var signal in signals)
        {
            benignProbability *= 1 - (signal.Contribution / 100.0);
        }

        var baseScore = 100 * (1 - benignProbability);
        var newest = signals.Max(s => s.Timestamp);
        var domains = signals.Where(s => newest - s.Timestamp <= CrossDomainWindow)
                             .Select(s => s.Domain).Distinct().Order().ToList();
        var bonus = BonusPerExtraDomain * Math.Max(0, domains.Count - 1);
        // Rounded to 6 decimals first so 35 × 0.9 is 31.5 (and rounds to 32), not 31.4999999 from the product.
        var score = (int)Math.Clamp(Math.Round(Math.Round(baseScore + bonus, 6), MidpointRounding.AwayFromZero), 0, 100);
        var indicator = signals.Any(s => s.IndicatorMatch);
        return new RiskScore(score, Verdicts.ForScore(score, indicator), Verdicts.SeverityForScore(score), signals, bonus, domains);
    }
}
