namespace Atalaya.Core.Detection.Sigma;

/// <summary>
/// How a Sigma rule's metadata becomes a signal. Weight comes from the level (issue 7:
/// informational 10, low 35, medium 60, high 80, critical 95). Confidence comes from the status,
/// because the status is the rule author's own statement of how well the rule has been tested
/// against real data: stable 0.9, test 0.8, experimental 0.7, anything else (missing, unknown)
/// 0.6. Weight × confidence then lands a lone rule in a plausible verdict band: a stable high rule
/// gives 72 (suspicious), a test critical rule 76 (likely malicious), an experimental low rule 24
/// (benign on its own, but it lifts any second signal on the same process).
/// </summary>
public static class SigmaScoring
{
    public static IReadOnlyList<string> Levels { get; } = ["informational", "low", "medium", "high", "critical"];

    public static int Weight(string level) => level switch
    {
        "informational" => 10,
        "low" => 35,
        "medium" => 60,
        "high" => 80,
        "critical" => 95,
        _ => 60,
    };

    public static double Confidence(string? status) => status switch
    {
        "stable" => 0.9,
        "test" => 0.8,
        "experimental" => 0.7,
        _ => 0.6,
    };
}
