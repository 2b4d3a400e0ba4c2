using Atalaya.Core.Analytics;
using Atalaya.Core.Detection.Sigma;
using Atalaya.Core.Schema;

namespace Atalaya.Core.Tests.Sigma;

/// <summary>Correlation rules (Sigma specification v2): parsing, evaluation over event time, bounded state.</summary>
public sealed class SigmaCorrelationTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    // Base rules over our authentication and process events, named so correlations can reference them.
    private const string BaseRules = """
        title: Failed login
        id: 9a3e0c1e-0000-4000-8000-000000000001
        name: failed_login
        status: test
        logsource: { product: linux, category: authentication }
        detection:
            selection:
                event.outcome: failure
            condition: selection
        level: low
        ---
        title: Successful login
        id: 9a3e0c1e-0000-4000-8000-000000000002
        name: successful_login
        logsource: { product: linux, category: authentication }
        detection:
            selection:
                event.outcome: success
            condition: selection
        level: informational
        ---
        title: whoami
        id: 9a3e0c1e-0000-4000-8000-000000000003
        name: recon_whoami
        logsource: { product: linux, category: process_creation }
        detection:
            selection:
                Image|endswith: /whoami
            condition: selection
        ---
        title: id
        id: 9a3e0c1e-0000-4000-8000-000000000004
        name: recon_id
        logsource: { product: linux, category: process_creation }
        detection:
            selection:
                Image|endswith: /id
            condition: selection
        ---
        title: uname
        id: 9a3e0c1e-0000-4000-8000-000000000005
        name: recon_uname
        logsource: { product: linux, category: process_creation }
        detection:
            selection:
                Image|endswith: /uname
            condition: selection
        """;

    [Fact]
    public void The_specification_examples_load_from_one_multi_document_file()
    {
        const string text = """
            title: Correlation - Multiple Failed Logins Followed by Successful Login
            id: b180ead8-d58f-40b2-ae54-c8940995b9b6
            status: experimental
            author: Atalaya tests
            tags: [attack.credential-access, attack.t1110]
            correlation:
                type: temporal_ordered
                rules:
                    - multiple_failed_login
                    - successful_login
                group-by:
                    - user.name
                timespan: 10m
            level: high
            ---
            title: Multiple failed logons
            id: a8418a5a-5fc4-46b5-b23b-6c73beb19d41
            name: multiple_failed_login
            correlation:
                type: event_count
                rules:
                    - failed_login
                group-by:
                    - user.name
                    - SourceIp
                timespan: 10m
                condition:
                    gte: 10
            ---
            title: Many users tried
            id: 0e95725d-7320-415d-80f7-004da920fc12
            correlation:
                type: value_count
                rules: [9a3e0c1e-0000-4000-8000-000000000001]
                group-by: [SourceIp]
                timespan: 1d
                condition:
                    field: user.name
                    gt: 100
                    lte: 200
            generate: true
            ---
            title: Recon burst
            id: 0e95725d-7320-415d-80f7-004da920fc13
            correlation:
                type: temporal
                rules: [recon_whoami, recon_id, recon_uname]
                group-by: [User]
                timespan: 5m
            ---

            """ + BaseRules;

        var results = SigmaRuleLoader.Load("/rules/spec.yml", text, SigmaRuleSource.Shipped);
        Assert.Equal(9, results.Count);
        Assert.All(results, r => Assert.True(r.Status == SigmaLoadStatus.Ok, r.Reason));
        var set = SigmaRuleSet.Create(results);
        Assert.All(set.Results, r => Assert.True(r.Status == SigmaLoadStatus.Ok, r.Reason));
        Assert.Equal(5, set.Rules.Count);
        Assert.Equal(4, set.Correlations.Count);

        var chained = set.Correlations.Single(c => c.Id == "b180ead8-d58f-40b2-ae54-c8940995b9b6");
        Assert.Equal(SigmaCorrelationType.TemporalOrdered, chained.Type);
        Assert.Equal(["multiple_failed_login", "successful_login"], chained.RuleReferences);
        Assert.Equal(["user.name"], chained.GroupBy);
        Assert.Equal(TimeSpan.FromMinutes(10), chained.Timespan);
        Assert.Equal(2, chained.Condition.Threshold);
        Assert.Equal("high", chained.Level);
        Assert.Equal("Atalaya tests", chained.Author);
        Assert.Equal(["T1110"], chained.Techniques);
        Assert.False(chained.Generate);
        Assert.Equal(["Multiple failed logons", "Successful login"], chained.SourceTitles);

        var count = set.Correlations.Single(c => c.Name == "multiple_failed_login");
        Assert.Equal(SigmaCorrelationType.EventCount, count.Type);
        Assert.Equal(["user.name", "SourceIp"], count.GroupBy);
        Assert.Equal(new SigmaCorrelationCondition(null, 10, null, null, null), count.Condition);
        Assert.Equal("medium", count.Level);

        var values = set.Correlations.Single(c => c.Type == SigmaCorrelationType.ValueCount);
        Assert.Equal("user.name", values.ValueFieldName);
        Assert.Equal(new SigmaCorrelationCondition(101 - 1, null, null, 200, null), values.Condition);
        Assert.False(values.Condition.IsRising);
        Assert.Equal(101, values.Condition.Threshold);
        Assert.Equal(201, values.Condition.Cap);
        Assert.True(values.Generate);
        Assert.Equal(TimeSpan.FromDays(1), values.Timespan);

        var temporal = set.Correlations.Single(c => c.Type == SigmaCorrelationType.Temporal);
        Assert.Equal(3, temporal.Condition.Threshold);
        Assert.Equal(["whoami", "id", "uname"], temporal.SourceTitles);
    }

    [Theory]
    [InlineData("type: sequence\n    rules: [failed_login]\n    timespan: 1m\n    condition: { gte: 2 }", SigmaCodes.Structure, "unknown correlation type 'sequence'")]
    [InlineData("type: event_count\n    rules: [failed_login]\n    condition: { gte: 2 }", SigmaCodes.Structure, "correlation without 'timespan'")]
    [InlineData("type: event_count\n    rules: [failed_login]\n    timespan: 2w\n    condition: { gte: 2 }", SigmaCodes.Value, "timespan '2w' is not a number followed by s, m, h or d")]
    [InlineData("type: event_count\n    rules: [failed_login]\n    timespan: 1m", SigmaCodes.Structure, "correlation without 'condition'")]
    [InlineData("type: event_count\n    rules: [failed_login]\n    timespan: 1m\n    condition: { gte: many }", SigmaCodes.Value, "'gte' must be a count")]
    [InlineData("type: event_count\n    rules: [failed_login]\n    timespan: 1m\n    condition: { over: 3 }", SigmaCodes.Value, "unknown correlation condition 'over'")]
    [InlineData("type: event_count\n    rules: [failed_login]\n    timespan: 1m\n    condition: { gt: 5, lt: 3 }", SigmaCodes.Value, "can never be true")]
    [InlineData("type: value_count\n    rules: [failed_login]\n    timespan: 1m\n    condition: { gte: 3 }", SigmaCodes.Structure, "a value_count condition needs 'field'")]
    [InlineData("type: temporal\n    rules: [failed_login]\n    timespan: 1m", SigmaCodes.Structure, "needs at least two rules")]
    [InlineData("type: temporal\n    rules: [failed_login, successful_login]\n    timespan: 1m\n    condition: { lt: 2 }", SigmaCodes.Value, "temporal correlations take only gt/gte")]
    [InlineData("type: event_count\n    timespan: 1m\n    condition: { gte: 2 }", SigmaCodes.Structure, "correlation without 'rules'")]
    public void Broken_correlations_are_coded_errors_with_a_line(string body, string code, string message)
    {
        var text = "title: broken\nid: c0000000-0000-4000-8000-000000000001\ncorrelation:\n    " + body + "\n";
        var result = Assert.Single(SigmaRuleLoader.Load("/rules/broken.yml", text, SigmaRuleSource.Shipped));
        Assert.Equal(SigmaLoadStatus.Error, result.Status);
        Assert.Equal(code, result.Code);
        Assert.Contains(message, result.Message, StringComparison.Ordinal);
        Assert.NotNull(result.Line);
        Assert.Equal("broken", result.Title);
    }

    [Fact]
    public void Unresolved_references_cycles_aliases_and_unmapped_group_fields_are_reported()
    {
        const string text = """
            title: missing
            id: c0000000-0000-4000-8000-000000000002
            correlation: { type: event_count, rules: [no_such_rule], timespan: 1m, condition: { gte: 2 } }
            ---
            title: loop a
            id: c0000000-0000-4000-8000-000000000003
            name: loop_a
            correlation: { type: event_count, rules: [loop_b], timespan: 1m, condition: { gte: 2 } }
            ---
            title: loop b
            id: c0000000-0000-4000-8000-000000000004
            name: loop_b
            correlation: { type: event_count, rules: [loop_a], timespan: 1m, condition: { gte: 2 } }
            ---
            title: on top of a broken one
            id: c0000000-0000-4000-8000-000000000005
            correlation: { type: temporal, rules: [loop_a, failed_login], timespan: 1m }
            ---
            title: aliased
            id: c0000000-0000-4000-8000-000000000006
            correlation:
                type: temporal
                rules: [failed_login, successful_login]
                group-by: [ip]
                timespan: 1m
                aliases: { ip: { failed_login: source.ip, successful_login: source.ip } }
            ---
            title: unmapped
            id: c0000000-0000-4000-8000-000000000007
            correlation: { type: event_count, rules: [failed_login], group-by: [WorkstationName], timespan: 1m, condition: { gte: 2 } }
            ---

            """ + BaseRules;
        var set = SigmaRuleSet.Create(SigmaRuleLoader.Load("/rules/refs.yml", text, SigmaRuleSource.Shipped));
        string Reason(string title) => set.Results.Single(r => r.Title == title).Reason!;

        Assert.StartsWith("SIGMA009 references rule 'no_such_rule', which is not loaded", Reason("missing"), StringComparison.Ordinal);
        Assert.StartsWith("SIGMA009 its references form a cycle", Reason("loop a"), StringComparison.Ordinal);
        Assert.StartsWith("SIGMA009 its references form a cycle", Reason("loop b"), StringComparison.Ordinal);
        Assert.StartsWith("SIGMA009 references rule 'loop_a', which is not loaded", Reason("on top of a broken one"), StringComparison.Ordinal);
        Assert.StartsWith("SIGMA102 correlation field aliases are not supported yet", Reason("aliased"), StringComparison.Ordinal);
        Assert.StartsWith("SIGMA101 field WorkstationName has no mapping", Reason("unmapped"), StringComparison.Ordinal);
        Assert.Empty(set.Correlations);
        Assert.Equal(5, set.Rules.Count);
    }

    [Fact]
    public void Event_count_fires_at_the_threshold_once_per_burst_and_silences_its_base_rule()
    {
        var sigma = Analytic(Correlation("event_count", "[failed_login]", "[SourceIp]", "1m", "gte: 5"));
        var sink = new Sink();

        for (var i = 0; i < 4; i++)
        {
            sigma.Observe(Auth("failure", "root", "203.0.113.7", T0.AddSeconds(i)), sink);
        }

        // The base rule matched four times but raised nothing: generate is false by default.
        Assert.Empty(sink.Signals);
        Assert.Equal(4, sigma.Matches);

        sigma.Observe(Auth("failure", "root", "203.0.113.7", T0.AddSeconds(4)), sink);
        var signal = Assert.Single(sink.Signals);
        Assert.Equal("c0000000-0000-4000-8000-0000000000c1", signal.SourceId);
        Assert.Equal("the correlation", signal.SourceName);
        Assert.Equal(80, signal.Weight);
        Assert.Equal(0.8, signal.Confidence);
        Assert.Equal(SignalDomain.Account, signal.Domain);
        Assert.Equal(["T1110.001"], signal.Techniques);
        Assert.Equal("sigma-correlation:c0000000-0000-4000-8000-0000000000c1:203.0.113.7", signal.EntityKey);
        Assert.Equal(new RuleAttribution("Atalaya tests", "Atalaya", "https://example.org/corr", "atalaya"), signal.Rule);
        Assert.Equal(T0.AddSeconds(4), signal.Timestamp);
        Assert.Equal("203.0.113.7", signal.Subject.Source!.Ip);
        Assert.Equal(
            "Sigma correlation \"the correlation\" (event_count, high; by Atalaya tests, Atalaya): 5 events of \"Failed login\" for SourceIp=203.0.113.7 " +
            "within 1m (condition count >= 5; first 2026-11-21 10:00:00Z, last 2026-11-21 10:00:04Z)",
            signal.Detail);

        // The count starts over after a match: four more are not a second burst, five are.
        for (var i = 5; i < 9; i++)
        {
            sigma.Observe(Auth("failure", "root", "203.0.113.7", T0.AddSeconds(i)), sink);
        }

        Assert.Single(sink.Signals);
        sigma.Observe(Auth("failure", "root", "203.0.113.7", T0.AddSeconds(9)), sink);
        Assert.Equal(2, sink.Signals.Count);
        Assert.Equal(2, sigma.CorrelationMatches);
    }

    [Fact]
    public void Gt_is_one_more_than_gte_and_generate_true_keeps_the_base_rule_signals()
    {
        var sigma = Analytic(Correlation("event_count", "[failed_login]", "[SourceIp]", "1m", "gt: 2", generate: true));
        var sink = new Sink();
        for (var i = 0; i < 3; i++)
        {
            sigma.Observe(Auth("failure", "root", "203.0.113.7", T0.AddSeconds(i)), sink);
        }

        Assert.Equal(
            ["9a3e0c1e-0000-4000-8000-000000000001", "9a3e0c1e-0000-4000-8000-000000000001", "9a3e0c1e-0000-4000-8000-000000000001", "c0000000-0000-4000-8000-0000000000c1"],
            sink.Signals.Select(s => s.SourceId));
    }

    [Fact]
    public void Events_that_slide_out_of_the_window_no_longer_count()
    {
        var sigma = Analytic(Correlation("event_count", "[failed_login]", "[SourceIp]", "1m", "gte: 5"));
        var sink = new Sink();
        foreach (var second in new[] { 0, 1, 2, 3, 61, 62, 63, 64 })
        {
            sigma.Observe(Auth("failure", "root", "203.0.113.7", T0.AddSeconds(second)), sink);
        }

        // Every five consecutive failures so far span more than a minute (3..64 is 61 s).
        Assert.Empty(sink.Signals);

        sigma.Observe(Auth("failure", "root", "203.0.113.7", T0.AddSeconds(65)), sink);
        var signal = Assert.Single(sink.Signals);
        Assert.Contains("first 2026-11-21 10:01:01Z, last 2026-11-21 10:01:05Z", signal.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_late_event_does_not_pass_for_the_newest()
    {
        var sigma = Analytic(Correlation("event_count", "[failed_login]", "[SourceIp]", "1m", "gte: 3"));
        var sink = new Sink();

        // The third event arrives last but happened first: 0, 100 and 1 s span 100 s, not 1 s.
        foreach (var second in new[] { 0, 100, 1 })
        {
            sigma.Observe(Auth("failure", "root", "203.0.113.7", T0.AddSeconds(second)), sink);
        }

        Assert.Empty(sink.Signals);

        // Still out of order, but the newest three (100, 130, 120 s) are within a minute: 0 and 1 s make room.
        sigma.Observe(Auth("failure", "root", "203.0.113.7", T0.AddSeconds(130)), sink);
        Assert.Empty(sink.Signals);
        sigma.Observe(Auth("failure", "root", "203.0.113.7", T0.AddSeconds(120)), sink);
        var signal = Assert.Single(sink.Signals);
        Assert.Contains("first 2026-11-21 10:01:40Z, last 2026-11-21 10:02:10Z", signal.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Groups_are_counted_separately()
    {
        var sigma = Analytic(Correlation("event_count", "[failed_login]", "[SourceIp, user.name]", "1m", "gte: 3"));
        var sink = new Sink();
        var second = 0;
        foreach (var (ip, user) in new[] { ("203.0.113.7", "root"), ("203.0.113.8", "root"), ("203.0.113.7", "admin"), ("203.0.113.7", "root"), ("203.0.113.8", "root") })
        {
            sigma.Observe(Auth("failure", user, ip, T0.AddSeconds(second++)), sink);
        }

        Assert.Empty(sink.Signals);
        sigma.Observe(Auth("failure", "root", "203.0.113.8", T0.AddSeconds(second)), sink);
        var signal = Assert.Single(sink.Signals);
        Assert.Contains("for SourceIp=203.0.113.8, user.name=root within 1m", signal.Detail, StringComparison.Ordinal);
        Assert.Equal("sigma-correlation:c0000000-0000-4000-8000-0000000000c1:203.0.113.8/root", signal.EntityKey);
        Assert.Equal(3, sigma.CorrelationGroups);
    }

    [Fact]
    public void Value_count_counts_distinct_values_within_the_window()
    {
        var sigma = Analytic(Correlation("value_count", "[failed_login]", "[SourceIp]", "5m", "field: user.name\n        gte: 3"));
        var sink = new Sink();
        for (var i = 0; i < 6; i++)
        {
            sigma.Observe(Auth("failure", "root", "203.0.113.7", T0.AddSeconds(i)), sink);
        }

        sigma.Observe(Auth("failure", "admin", "203.0.113.7", T0.AddSeconds(10)), sink);
        // "oracle" comes after root slid out of the 5-minute window: still two live values.
        sigma.Observe(Auth("failure", "oracle", "203.0.113.7", T0.AddMinutes(5).AddSeconds(6)), sink);
        Assert.Empty(sink.Signals);

        sigma.Observe(Auth("failure", "postgres", "203.0.113.7", T0.AddMinutes(5).AddSeconds(7)), sink);
        var signal = Assert.Single(sink.Signals);
        Assert.Contains("3 distinct user.name values (admin, oracle, postgres) in events of \"Failed login\" for SourceIp=203.0.113.7 within 5m", signal.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Temporal_needs_every_rule_within_the_window_in_any_order()
    {
        var sigma = Analytic(Correlation("temporal", "[recon_uname, recon_whoami, recon_id]", "[User]", "5m", null));
        var sink = new Sink();
        sigma.Observe(Exec("/usr/bin/whoami", "alice", T0), sink);
        sigma.Observe(Exec("/usr/bin/id", "alice", T0.AddMinutes(1)), sink);
        sigma.Observe(Exec("/usr/bin/uname", "bob", T0.AddMinutes(2)), sink);
        Assert.Empty(sink.Signals);

        sigma.Observe(Exec("/usr/bin/uname", "alice", T0.AddMinutes(3)), sink);
        var signal = Assert.Single(sink.Signals);
        Assert.Contains("3 of the rules \"uname\", \"whoami\", \"id\" for User=alice within 5m", signal.Detail, StringComparison.Ordinal);
        Assert.Equal(SignalDomain.Process, signal.Domain);

        // bob's whoami and id come, but his uname is older than five minutes by then.
        sigma.Observe(Exec("/usr/bin/whoami", "bob", T0.AddMinutes(6)), sink);
        sigma.Observe(Exec("/usr/bin/id", "bob", T0.AddMinutes(7).AddSeconds(1)), sink);
        Assert.Single(sink.Signals);
    }

    [Fact]
    public void Temporal_ordered_needs_the_listed_order()
    {
        var sigma = Analytic(Correlation("temporal_ordered", "[recon_whoami, recon_id]", "[User]", "5m", null));
        var sink = new Sink();
        sigma.Observe(Exec("/usr/bin/id", "alice", T0), sink);
        sigma.Observe(Exec("/usr/bin/whoami", "alice", T0.AddMinutes(1)), sink);
        Assert.Empty(sink.Signals);

        sigma.Observe(Exec("/usr/bin/id", "alice", T0.AddMinutes(2)), sink);
        var signal = Assert.Single(sink.Signals);
        Assert.Contains("the rules \"whoami\", \"id\" in that order for User=alice", signal.Detail, StringComparison.Ordinal);

        // Too far apart: whoami at 10 min, id at 15 min 1 s.
        sigma.Observe(Exec("/usr/bin/whoami", "alice", T0.AddMinutes(10)), sink);
        sigma.Observe(Exec("/usr/bin/id", "alice", T0.AddMinutes(15).AddSeconds(1)), sink);
        Assert.Single(sink.Signals);
    }

    [Fact]
    public void A_chained_correlation_fires_on_the_correlation_it_references()
    {
        // The specification's example: many failures, then a success for the same user.
        var text = """
            title: brute force then success
            id: c0000000-0000-4000-8000-0000000000c2
            level: critical
            correlation: { type: temporal_ordered, rules: [many_failures, successful_login], group-by: [user.name], timespan: 10m }
            ---
            title: many failures
            id: c0000000-0000-4000-8000-0000000000c3
            name: many_failures
            correlation: { type: event_count, rules: [failed_login], group-by: [user.name], timespan: 10m, condition: { gte: 3 } }
            ---

            """ + BaseRules;
        var sigma = new SigmaAnalytic(SigmaRuleSet.Create(SigmaRuleLoader.Load("/rules/chain.yml", text, SigmaRuleSource.Shipped)));
        var sink = new Sink();
        sigma.Observe(Auth("success", "root", "203.0.113.7", T0), sink);
        for (var i = 1; i <= 3; i++)
        {
            sigma.Observe(Auth("failure", "root", "203.0.113.7", T0.AddSeconds(i)), sink);
        }

        // The intermediate correlation matched, but it only feeds the chain.
        Assert.Empty(sink.Signals);
        Assert.Equal(1, sigma.CorrelationMatches);

        sigma.Observe(Auth("success", "root", "203.0.113.7", T0.AddSeconds(30)), sink);
        var signal = Assert.Single(sink.Signals);
        Assert.Equal("c0000000-0000-4000-8000-0000000000c2", signal.SourceId);
        Assert.Equal(95, signal.Weight);
        Assert.Contains("the rules \"many failures\", \"Successful login\" in that order for user.name=root within 10m", signal.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Upper_bounded_conditions_are_decided_when_the_window_closes()
    {
        var sigma = Analytic(Correlation("event_count", "[failed_login]", "[SourceIp]", "1m", "gt: 1\n        lte: 3"));
        var sink = new Sink();

        // .7: two failures in its window; .8: five. Neither is decided while the window is open.
        sigma.Observe(Auth("failure", "root", "203.0.113.7", T0), sink);
        sigma.Observe(Auth("failure", "root", "203.0.113.7", T0.AddSeconds(10)), sink);
        for (var i = 0; i < 5; i++)
        {
            sigma.Observe(Auth("failure", "root", "203.0.113.8", T0.AddSeconds(20 + i)), sink);
        }

        Assert.Empty(sink.Signals);

        // An event of .7 past its window closes it: 2 is in (1, 3].
        sigma.Observe(Auth("failure", "root", "203.0.113.7", T0.AddSeconds(61)), sink);
        var signal = Assert.Single(sink.Signals);
        Assert.Contains("2 events of \"Failed login\" for SourceIp=203.0.113.7 within 1m (condition count > 1 and <= 3", signal.Detail, StringComparison.Ordinal);
        Assert.Equal(T0.AddSeconds(10), signal.Timestamp);

        // .8 never sends again; the sweep closes its window (five is too many) and a third address's
        // lone event closes nothing that matches.
        sigma.Observe(Auth("failure", "root", "203.0.113.9", T0.AddSeconds(200)), sink);
        Assert.Single(sink.Signals);

        // Every window left was closed by that sweep without a match (.7: one event at 61 s; .8: five);
        // .9 closes with one event at 300 s.
        sigma.Observe(Auth("failure", "root", "203.0.113.9", T0.AddSeconds(300)), sink);
        Assert.Single(sink.Signals);
    }

    [Fact]
    public void A_silent_group_is_decided_by_the_sweep()
    {
        var sigma = Analytic(Correlation("event_count", "[failed_login]", "[SourceIp]", "1m", "lt: 3"));
        var sink = new Sink();
        sigma.Observe(Auth("failure", "root", "203.0.113.7", T0), sink);
        sigma.Observe(Auth("failure", "root", "203.0.113.7", T0.AddSeconds(5)), sink);
        Assert.Empty(sink.Signals);

        sigma.Observe(Auth("failure", "root", "203.0.113.8", T0.AddMinutes(2)), sink);
        var signal = Assert.Single(sink.Signals);
        Assert.Contains("2 events of \"Failed login\" for SourceIp=203.0.113.7", signal.Detail, StringComparison.Ordinal);
        Assert.Equal("203.0.113.7", signal.Subject.Source!.Ip);
    }

    [Fact]
    public void A_window_is_decided_by_an_event_no_rule_of_the_correlation_reads()
    {
        var sigma = Analytic(Correlation("event_count", "[failed_login]", "[SourceIp]", "1m", "lt: 3"));
        var sink = new Sink();
        sigma.Observe(Auth("failure", "root", "203.0.113.7", T0), sink);
        sigma.Observe(Auth("failure", "root", "203.0.113.7", T0.AddSeconds(5)), sink);

        // Inside the window (and before the first sweep is due) an exec decides nothing.
        sigma.Observe(Exec("/usr/bin/ls", "alice", T0.AddSeconds(14)), sink);
        Assert.Empty(sink.Signals);

        // No failed login follows: an unrelated exec past the window's end closes it.
        sigma.Observe(Exec("/usr/bin/ls", "alice", T0.AddSeconds(75)), sink);
        var signal = Assert.Single(sink.Signals);
        Assert.Contains("2 events of \"Failed login\" for SourceIp=203.0.113.7", signal.Detail, StringComparison.Ordinal);
        Assert.Equal(T0.AddSeconds(5), signal.Timestamp);

        // Decided once: the closed window is forgotten.
        sigma.Observe(Exec("/usr/bin/ls", "alice", T0.AddMinutes(10)), sink);
        Assert.Single(sink.Signals);
        Assert.Equal(0, sigma.CorrelationGroups);
    }

    [Fact]
    public void A_million_distinct_groups_keep_the_state_at_its_cap()
    {
        const int cap = 1_000;
        var sigma = Analytic(Correlation("event_count", "[failed_login]", "[SourceIp]", "1h", "gte: 3"), cap);
        var sink = new Sink();
        var failure = Auth("failure", "root", "198.51.100.1", T0);
        for (var i = 0; i < 1_000_000; i++)
        {
            // Each address fails twice: one below the threshold, so every group stays live until evicted.
            var address = $"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}";
            var value = failure with { Timestamp = T0.AddMilliseconds(i), Source = new EndpointFields { Ip = address } };
            sigma.Observe(value, sink);
            sigma.Observe(value, sink);
        }

        Assert.Empty(sink.Signals);
        Assert.Equal(cap, sigma.CorrelationGroups);
        Assert.Equal(1_000_000 - cap, sigma.CorrelationEvictions);

        // The newest groups survived eviction and still count.
        sigma.Observe(failure with { Timestamp = T0.AddSeconds(1_000), Source = new EndpointFields { Ip = "10.15.66.63" } }, sink);
        Assert.Single(sink.Signals);
    }

    [Fact]
    public void Case_files_expand_timed_event_sequences()
    {
        const string text = """
            rules: [x.yml]
            cases:
              - name: burst
                events:
                  - repeat: 3
                    after: 30s
                    event: { event: { category: [authentication], outcome: failure }, source: { ip: 203.0.113.7 } }
                  - after: 2m
                    event_json: '{"event": {"category": ["authentication"], "outcome": "success"}}'
                expect: [c0000000-0000-4000-8000-0000000000c1]
            """;
        var file = SigmaCaseFile.Parse("x.cases.yaml", text);
        var sequence = Assert.Single(file.Cases).Events;
        Assert.Equal(4, sequence.Count);
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        Assert.Equal([start, start.AddSeconds(30), start.AddSeconds(60), start.AddSeconds(180)], sequence.Select(e => e.Timestamp));
        Assert.Equal(["failure", "failure", "failure", "success"], sequence.Select(e => e.Event.Outcome));
        Assert.Equal("203.0.113.7", sequence[2].Source!.Ip);
    }

    [Theory]
    [InlineData("events: []", "'events' must be a list of steps")]
    [InlineData("events: [ { repeat: 0, event: { event: { category: [process] } } } ]", "'repeat' must be a positive count")]
    [InlineData("events: [ { after: soon, event: { event: { category: [process] } } } ]", "'after' must be a duration")]
    [InlineData("events: [ { repeat: 200000, event: { event: { category: [process] } } } ]", "more than 100000 events")]
    [InlineData("events: [ { repeat: 2 } ]", "needs 'event:'")]
    public void Bad_sequences_are_format_errors(string events, string message)
    {
        var text = "cases:\n  - name: bad\n    " + events + "\n    expect: none\n";
        var error = Assert.Throws<FormatException>(() => SigmaCaseFile.Parse("x.cases.yaml", text));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    private static string Correlation(string type, string rules, string groupBy, string timespan, string? condition, bool generate = false) => $"""
        title: the correlation
        id: c0000000-0000-4000-8000-0000000000c1
        status: test
        author: Atalaya tests
        references: [https://example.org/corr]
        tags: [attack.credential-access, attack.t1110.001]
        level: high
        generate: {(generate ? "true" : "false")}
        correlation:
            type: {type}
            rules: {rules}
            group-by: {groupBy}
            timespan: {timespan}
        {(condition is null ? "" : "    condition:\n        " + condition)}
        ---

        """ + BaseRules;

    private static SigmaAnalytic Analytic(string text, int groups = SigmaCorrelationEngine.DefaultGroupsPerCorrelation)
    {
        var set = SigmaRuleSet.Create(SigmaRuleLoader.Load("/rules/test.yml", text, SigmaRuleSource.Shipped));
        Assert.All(set.Results, r => Assert.True(r.Status == SigmaLoadStatus.Ok, r.Reason));
        Assert.Single(set.Correlations);
        return new SigmaAnalytic(set, correlationGroups: groups);
    }

    private static EcsEvent Auth(string outcome, string user, string ip, DateTimeOffset at) => new()
    {
        Timestamp = at,
        Event = new EventFields
        {
            Kind = EventKinds.Event,
            Category = [EventCategories.Authentication],
            Type = [EventTypes.Start],
            Action = outcome == "failure" ? "ssh-login-failed" : "ssh-login",
            Dataset = Datasets.Authentication,
            Outcome = outcome,
        },
        User = new UserFields { Name = user },
        Source = new EndpointFields { Ip = ip, Port = 50000 },
        Process = new ProcessFields { Pid = 812, Name = "sshd" },
    };

    private static EcsEvent Exec(string executable, string user, DateTimeOffset at) =>
        SampleEvents.Process(executable, kind: EventKinds.Event, type: EventTypes.Start) is var value
            ? value with { Timestamp = at, Process = value.Process! with { User = new UserFields { Name = user } } }
            : throw new InvalidOperationException();

    private sealed class Sink : ISignalSink
    {
        public List<Signal> Signals { get; } = [];

        public void Emit(Signal signal) => Signals.Add(signal);
    }
}
