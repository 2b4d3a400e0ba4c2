using Atalaya.Core.Analytics;
using Atalaya.Core.Detection;
using Atalaya.Core.Enrichment;
using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;
using Atalaya.Core.Scoring;

namespace Atalaya.Core.Tests.Detection;

public sealed class DetectionEngineTests
{
    private static DetectionEngine Engine(params IAnalytic[] extra) =>
        new([.. BuiltInAnalytics.Create(TestCatalog.Get(), TestCatalog.Processes()), .. extra], new RiskScorer(), TimeProvider.System);

    [Fact]
    public void Masquerade_produces_a_high_alert_with_evidence()
    {
        var alerts = new List<EcsEvent>();
        Engine().Process(SampleEvents.Process("/tmp/atalaya-x/sshd"), alerts);

        // Two analytics speak (masquerade + temp directory); the engine alerts as the score rises.
        var alert = alerts[^1];
        Assert.True(alert.Event.RiskScore >= 75, $"score {alert.Event.RiskScore}");
        Assert.Contains("T1036.005", alert.Threat!.Technique!.Id!);
        Assert.Equal(MasqueradeAnalytic.AnalyticId, alert.Rule!.Id);
        Assert.Equal("/tmp/atalaya-x/sshd", alert.Process!.Executable);
        Assert.Equal(2, alert.Atalaya!.Evidence!.Count);
    }

    [Fact]
    public void A_normal_process_raises_nothing()
    {
        var alerts = new List<EcsEvent>();
        Engine().Process(SampleEvents.Process("/usr/bin/sleep"), alerts);
        Assert.Empty(alerts);
    }

    [Fact]
    public void Temp_program_that_also_listens_everywhere_combines_across_domains()
    {
        var engine = Engine();
        var enricher = new ProcessTableEnricher();
        var alerts = new List<EcsEvent>();
        engine.Process(enricher.Enrich(SampleEvents.Process("/tmp/x/tool", pid: 77)), alerts);
        Assert.Equal("low", alerts.Single().Atalaya!.Severity);

        alerts.Clear();
        // The socket owner arrives with pid and executable only; enrichment gives it the entity id.
        engine.Process(enricher.Enrich(SampleEvents.Listener("/tmp/x/tool", 77, "all-interfaces")), alerts);
        var combined = alerts.Single();
        Assert.Equal("entity-77", combined.Atalaya!.EntityKey);
        Assert.Equal(78, combined.Event.RiskScore);
        Assert.Contains(combined.Atalaya.Evidence!, e => e.Signal == "atalaya.score.cross-domain");
    }

    [Fact]
    public void A_throwing_analytic_is_counted_and_the_others_still_run()
    {
        var engine = Engine(new ThrowingAnalytic());
        var alerts = new List<EcsEvent>();
        engine.Process(SampleEvents.Process("/tmp/atalaya-x/sshd"), alerts);
        Assert.NotEmpty(alerts);
        Assert.Equal(1, engine.AnalyticFailures["test.throws"]);
    }

    [Fact]
    public void Analytic_failures_survive_the_status_json()
    {
        var status = new AgentStatus
        {
            Pid = 1, Version = "test", StartedAt = SampleEvents.Now, UpdatedAt = SampleEvents.Now, State = "running", Collectors = [],
            EventsPublished = 1, EventsDropped = 0, EventsProcessed = 1, EventsStored = 1, AlertsRaised = 0,
            AnalyticFailures = new Dictionary<string, long> { ["test.throws"] = 3 },
        };

        var read = StatusJson.Deserialize(StatusJson.Serialize(status));

        Assert.Equal(3, read!.AnalyticFailures["test.throws"]);
    }

    [Fact]
    public void Alerts_are_not_evaluated_again()
    {
        var engine = Engine();
        var alerts = new List<EcsEvent>();
        engine.Process(SampleEvents.Process("/tmp/atalaya-x/sshd"), alerts);
        var before = engine.SignalsEmitted;
        engine.Process(alerts[0], []);
        Assert.Equal(before, engine.SignalsEmitted);
    }

    private sealed class ThrowingAnalytic : IAnalytic
    {
        public string Id => "test.throws";

        public string Name => "throws";

        public IReadOnlyCollection<string> Categories { get; } = [EventCategories.Process];

        public void Observe(EcsEvent value, ISignalSink signals) => throw new InvalidOperationException("boom");
    }
}
