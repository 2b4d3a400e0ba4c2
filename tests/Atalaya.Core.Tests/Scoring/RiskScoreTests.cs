using Atalaya.Core.Analytics;
using Atalaya.Core.Scoring;

namespace Atalaya.Core.Tests.Scoring;

public sealed class RiskScoreTests
{
    internal static Signal S(string source, int weight, double confidence, SignalDomain domain = SignalDomain.Process,
        string entity = "e1", TimeSpan? at = null, bool indicator = false) => new()
    {
        SourceId = source,
        SourceName = source,
        EntityKey = entity,
        Weight = weight,
        Confidence = confidence,
        Domain = domain,
        Detail = $"{source} detail",
        Timestamp = SampleEvents.Now + (at ?? TimeSpan.Zero),
        Subject = SampleEvents.Process("/tmp/x"),
        IndicatorMatch = indicator,
    };

    [Fact]
    public void One_signal_scores_weight_times_confidence()
    {
        var score = RiskScore.Compute([S("a", 85, 0.95)]);
        Assert.Equal(81, score.Score);
        Assert.Equal(Verdicts.LikelyMalicious, score.Verdict);
        Assert.Equal(Severity.High, score.Severity);
        Assert.Equal(0, score.CrossDomainBonus);
    }

    [Fact]
    public void Signals_combine_by_noisy_or_and_never_exceed_100()
    {
        // 1 - (1-0.5)(1-0.5) = 0.75
        Assert.Equal(75, RiskScore.Compute([S("a", 50, 1), S("b", 50, 1)]).Score);
        Assert.Equal(100, RiskScore.Compute([S("a", 100, 1), S("b", 100, 1), S("c", 90, 1, SignalDomain.Network)]).Score);
    }

    [Fact]
    public void Signals_in_two_domains_within_five_minutes_earn_a_bonus()
    {
        var near = RiskScore.Compute([S("a", 35, 0.9), S("b", 60, 0.9, SignalDomain.Network, at: TimeSpan.FromMinutes(4))]);
        // 1 - (1-0.315)(1-0.54) = 0.6849 -> 68.49 + 10
        Assert.Equal(78, near.Score);
        Assert.Equal(10, near.CrossDomainBonus);

        var far = RiskScore.Compute([S("a", 35, 0.9), S("b", 60, 0.9, SignalDomain.Network, at: TimeSpan.FromMinutes(6))]);
        Assert.Equal(0, far.CrossDomainBonus);
        Assert.Equal(68, far.Score);
    }

    [Theory]
    [InlineData(0, "benign", null)]
    [InlineData(24, "benign", null)]
    [InlineData(25, "low risk", Severity.Low)]
    [InlineData(49, "low risk", Severity.Low)]
    [InlineData(50, "suspicious", Severity.Medium)]
    [InlineData(74, "suspicious", Severity.Medium)]
    [InlineData(75, "likely malicious", Severity.High)]
    [InlineData(89, "likely malicious", Severity.High)]
    [InlineData(90, "likely malicious", Severity.Critical)]
    [InlineData(100, "likely malicious", Severity.Critical)]
    public void Bands_follow_the_design(int score, string verdict, Severity? severity)
    {
        Assert.Equal(verdict, Verdicts.ForScore(score, indicatorMatch: false));
        Assert.Equal(severity, Verdicts.SeverityForScore(score));
    }

    [Fact]
    public void An_indicator_match_confirms_malice_whatever_the_score()
    {
        var score = RiskScore.Compute([S("ti", 30, 1, indicator: true)]);
        Assert.Equal(Verdicts.ConfirmedMalicious, score.Verdict);
    }

    [Fact]
    public void No_signals_is_benign_zero()
    {
        var score = RiskScore.Compute([]);
        Assert.Equal(0, score.Score);
        Assert.Null(score.Severity);
    }

    [Fact]
    public void Alert_lists_every_contribution_and_the_bonus()
    {
        var score = RiskScore.Compute([S("a", 35, 0.9), S("b", 60, 0.9, SignalDomain.Network)]);
        var alert = AlertBuilder.Build("e1", score, SampleEvents.Now);

        Assert.Equal("alert", alert.Event.Kind);
        Assert.Equal(78, alert.Event.RiskScore);
        Assert.Equal(alert.Event.RiskScore, alert.Event.Severity);
        Assert.Equal("high", alert.Atalaya!.Severity);
        Assert.Equal("b", alert.Rule!.Id);
        Assert.Equal(["b", "a", "atalaya.score.cross-domain"], alert.Atalaya.Evidence!.Select(e => e.Signal));
        Assert.Equal(AlertBuilder.AlertId("e1"), alert.Atalaya.AlertId);
        Assert.StartsWith("Likely malicious (78/100): b detail (and 1 more signal)", alert.Atalaya.Summary, StringComparison.Ordinal);
    }
}
