namespace Atalaya.Core.Scoring;

/// <summary>The verdict bands and severity words of DESIGN section 3, in one place.</summary>
public static class Verdicts
{
    public const string Benign = "benign";
    public const string LowRisk = "low risk";
    public const string Suspicious = "suspicious";
    public const string LikelyMalicious = "likely malicious";
    public const string ConfirmedMalicious = "confirmed malicious";

    public static string ForScore(int score, bool indicatorMatch) => indicatorMatch
        ? ConfirmedMalicious
        : score switch
        {
            >= 75 => LikelyMalicious,
            >= 50 => Suspicious,
            >= 25 => LowRisk,
            _ => Benign,
        };

    /// <summary>low 25-49, medium 50-74, high 75-89, critical 90-100; null below 25.</summary>
    public static Severity? SeverityForScore(int score) => score switch
    {
        >= 90 => Severity.Critical,
        >= 75 => Severity.High,
        >= 50 => Severity.Medium,
        >= 25 => Severity.Low,
        _ => null,
    };

    public static string Word(this Severity severity) => severity switch
    {
        Severity.Low => "low",
        Severity.Medium => "medium",
        Severity.High => "high",
        Severity.Critical => "critical",
        _ => throw new ArgumentOutOfRangeException(nameof(severity)),
    };

    public static bool TryParseSeverity(string? text, out Severity severity)
    {
        severity = text?.ToLowerInvariant() switch
        {
            "low" => Severity.Low,
            "medium" => Severity.Medium,
            "high" => Severity.High,
            "critical" => Severity.Critical,
            _ => (Severity)(-1),
        };
        return severity >= Severity.Low;
    }

    /// <summary>The lowest score of a severity band.</summary>
    public static int MinimumScore(this Severity severity) => severity switch
    {
        Severity.Low => 25,
        Severity.Medium => 50,
        Severity.High => 75,
        _ => 90,
    };
}

/// <summary>Alert severity, ordered.</summary>
public enum Severity
{
    Low,
    Medium,
    High,
    Critical,
}
