using Atalaya.Core.Analytics;
using Atalaya.Core.Detection.Sigma;
using Atalaya.Core.Pipeline;

namespace Atalaya.Core.Tests.Sigma;

/// <summary>Run-time failures are counted per rule and the worst offenders reach the status.</summary>
public sealed class SigmaRuleFailureTests
{
    [Fact]
    public void Regex_timeouts_are_counted_against_the_rule_that_timed_out()
    {
        static string Rule(string id, string pattern) => $"""
            title: rule {id}
            id: {id}
            logsource: {"{"} product: linux, category: process_creation {"}"}
            detection:
                selection:
                    CommandLine|re: '{pattern}'
                condition: selection
            """;

        // A backreference forces the backtracking engine; on a long run of 'a' it explodes and times out.
        var text = string.Join("\n---\n", Rule("slow-a", "^(a+)+\\1b$"), Rule("slow-b", "^(a+)+\\1c$"), Rule("fine", "^a+!$"));
        var set = SigmaRuleSet.Create(SigmaRuleLoader.Load("/rules/failures.yml", text, SigmaRuleSource.External));
        Assert.Equal(3, set.Rules.Count);
        var sigma = new SigmaAnalytic(set, prefilter: false);
        var sink = new Sink();

        var hostile = SigmaTestRules.Process(new string('a', 5000) + "d");
        sigma.Observe(hostile, sink);
        sigma.Observe(hostile, sink);
        sigma.Observe(SigmaTestRules.Process("aaa!"), sink);

        Assert.Equal(["fine"], sink.Ids);
        Assert.True(sigma.RegexTimeouts["slow-a"] >= 1);
        Assert.True(sigma.RegexTimeouts["slow-b"] >= 1);
        Assert.False(sigma.RegexTimeouts.ContainsKey("fine"));
        Assert.Empty(sigma.Failures);

        var top = sigma.TopFailures(10);
        Assert.Equal(["slow-a", "slow-b"], top.Select(f => f.RuleId).Order(StringComparer.Ordinal));
        Assert.All(top, f =>
        {
            Assert.Equal(0, f.Errors);
            Assert.Equal(f.RegexTimeouts, f.Total);
        });
        Assert.Single(sigma.TopFailures(1));
    }

    [Fact]
    public void Rule_failures_survive_the_status_json()
    {
        var status = new AgentStatus
        {
            Pid = 1, Version = "test", StartedAt = SampleEvents.Now, UpdatedAt = SampleEvents.Now, State = "running", Collectors = [],
            EventsPublished = 1, EventsDropped = 0, EventsProcessed = 1, EventsStored = 1, AlertsRaised = 0,
            RuleFailures = [new RuleFailure { RuleId = "slow-a", Errors = 2, RegexTimeouts = 5 }, new RuleFailure { RuleId = "slow-b", RegexTimeouts = 1 }],
        };

        var json = StatusJson.Serialize(status);
        Assert.Contains("\"rule_failures\":[{\"rule_id\":\"slow-a\",\"errors\":2,\"regex_timeouts\":5,\"total\":7}", json, StringComparison.Ordinal);
        var read = StatusJson.Deserialize(json)!;
        Assert.Equal(status.RuleFailures, read.RuleFailures);
    }

    private sealed class Sink : ISignalSink
    {
        public List<string> Ids { get; } = [];

        public void Emit(Signal signal) => Ids.Add(signal.SourceId);
    }
}
