using Atalaya.Core.Analytics;
using Atalaya.Core.Detection;
using Atalaya.Core.Detection.Sigma;
using Atalaya.Core.Schema;
using Atalaya.Core.Scoring;

namespace Atalaya.Core.Tests.Sigma;

/// <summary>Sigma rules through the detection engine: signals, scores and alerts carrying the rule's attribution.</summary>
public sealed class SigmaAlertTests
{
    [Fact]
    public void A_matching_rule_becomes_an_alert_with_author_license_reference_and_current_technique_ids()
    {
        var yaml = """
            title: History cleared
            id: 11111111-2222-3333-4444-555555555555
            status: stable
            level: high
            author: Jane Doe
            references:
                - https://example.org/history
            tags:
                - attack.defense-evasion
                - attack.t1070.002
            logsource:
                product: linux
                category: process_creation
            detection:
                selection:
                    CommandLine|contains: 'history -c'
                condition: selection
            """;
        var rules = SigmaRuleSet.Create(SigmaRuleLoader.Load("/corpus/sigma/rules/linux/h.yml", yaml, SigmaRuleSource.External));
        var engine = new DetectionEngine([new SigmaAnalytic(rules)], new RiskScorer(), TimeProvider.System);
        var alerts = new List<EcsEvent>();

        engine.Process(SigmaTestRules.Process("bash -c history -c"), alerts);

        var alert = Assert.Single(alerts);
        Assert.Equal("11111111-2222-3333-4444-555555555555", alert.Rule!.Id);
        Assert.Equal("History cleared", alert.Rule.Name);
        Assert.Equal("Jane Doe", alert.Rule.Author);
        Assert.Equal("DRL-1.1", alert.Rule.License);
        Assert.Equal("https://example.org/history", alert.Rule.Reference);
        Assert.Equal("sigma", alert.Rule.Ruleset);
        Assert.Equal(["T1685.006"], alert.Threat!.Technique!.Id);
        Assert.Equal(72, alert.Event.RiskScore); // high 80 × stable 0.9
        var evidence = Assert.Single(alert.Atalaya!.Evidence!);
        Assert.Equal("Sigma rule \"History cleared\" (high; by Jane Doe, DRL-1.1): CommandLine|contains contains 'history -c' (process.command_line = \"bash -c history -c\")",
            evidence.Detail);
        Assert.Equal("process", evidence.Domain);
    }

    [Fact]
    public void Analytics_without_attribution_still_credit_Atalaya()
    {
        var engine = new DetectionEngine([new ExecutionPathAnalytic()], new RiskScorer(), TimeProvider.System);
        var alerts = new List<EcsEvent>();
        engine.Process(SampleEvents.Process("/tmp/.x/miner", deleted: true), alerts);
        var alert = alerts[^1];
        Assert.Equal("Atalaya", alert.Rule!.Author);
        Assert.Equal(AlertBuilder.Ruleset, alert.Rule.Ruleset);
        Assert.Null(alert.Rule.License);
        Assert.Null(alert.Rule.Reference);
    }

    [Fact]
    public void An_event_missing_sections_matches_nothing_and_fails_nothing()
    {
        var good = SigmaTestRules.LoadOne("selection:\n    CommandLine|contains: boom\ncondition: selection");
        var rules = SigmaRuleSet.Create([good]);
        var analytic = new SigmaAnalytic(rules);
        var sink = new ModifierTests.ListSink();
        // An event without a process section: every accessor returns null, nothing throws, nothing matches.
        analytic.Observe(new EcsEvent
        {
            Timestamp = SampleEvents.Now,
            Event = new EventFields { Kind = EventKinds.Event, Category = [EventCategories.Process], Type = [EventTypes.Start] },
        }, sink);
        Assert.Empty(sink.Signals);
        Assert.Empty(analytic.Failures);
        analytic.Observe(SigmaTestRules.Process("boom"), sink);
        Assert.Single(sink.Signals);
        Assert.Equal(1, analytic.Matches);
    }
}
