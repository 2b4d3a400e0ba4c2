using Atalaya.Core.Analytics;
using Atalaya.Core.Scoring;
using static Atalaya.Core.Tests.Scoring.RiskScoreTests;

namespace Atalaya.Core.Tests.Scoring;

public sealed class RiskScorerTests
{
    [Fact]
    public void A_repeated_signal_does_not_rescore()
    {
        var scorer = new RiskScorer();
        Assert.Equal(81, scorer.Add(S("a", 85, 0.95))!.Score);
        Assert.Null(scorer.Add(S("a", 85, 0.95, at: TimeSpan.FromSeconds(1))));
    }

    [Fact]
    public void New_evidence_on_the_same_entity_raises_the_score()
    {
        var scorer = new RiskScorer();
        Assert.Equal(32, scorer.Add(S("tmp", 35, 0.9))!.Score);
        var raised = scorer.Add(S("listener", 60, 0.9, SignalDomain.Network))!;
        Assert.Equal(78, raised.Score);
        Assert.Equal(2, raised.Signals.Count);
    }

    [Fact]
    public void Entities_score_independently()
    {
        var scorer = new RiskScorer();
        scorer.Add(S("a", 50, 1, entity: "one"));
        Assert.Equal(50, scorer.Add(S("b", 50, 1, entity: "two"))!.Score);
    }

    [Fact]
    public void State_is_bounded_by_entity_count()
    {
        var scorer = new RiskScorer(maxEntities: 100);
        for (var i = 0; i < 1000; i++)
        {
            scorer.Add(S("a", 50, 1, entity: $"e{i}"));
        }

        Assert.Equal(100, scorer.EntityCount);
        Assert.Equal(900, scorer.Evictions);
    }
}
