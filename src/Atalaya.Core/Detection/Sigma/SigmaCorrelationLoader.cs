using System.Globalization;
using Atalaya.Core.Schema;
using YamlDotNet.RepresentationModel;

namespace Atalaya.Core.Detection.Sigma;

/// <summary>
/// Reads a correlation document (a rule with a <c>correlation:</c> section, Sigma specification v2):
/// type, rules, group-by, timespan (Ns, Nm, Nh, Nd), condition (gt, gte, lt, lte, eq; two bounds make
/// a range; value_count names its <c>field</c>), generate. The referenced rules are resolved later,
/// when the whole set is known (<see cref="SigmaCorrelationResolver"/>). Errors throw
/// <see cref="SigmaCompileException"/> with the line; the caller turns them into results.
/// </summary>
internal static class SigmaCorrelationLoader
{
    /// <summary>Larger thresholds would make per-group state large; no sensible host-side rule needs them.</summary>
    public const long MaxCount = 100_000;

    private static readonly HashSet<string> ConditionKeys = new(StringComparer.Ordinal) { "gt", "gte", "lt", "lte", "eq", "field" };

    public static SigmaLoadResult Load(string path, YamlMappingNode rule, SigmaRuleSource source, string? id, string title, string? status, string level)
    {
        var node = SigmaRuleLoader.Child(rule, "correlation");
        if (node is not YamlMappingNode correlation)
        {
            throw new SigmaCompileException(SigmaCodes.Structure, "'correlation' must be a mapping", node?.Start.Line ?? rule.Start.Line);
        }

        if (SigmaRuleLoader.Child(correlation, "aliases") is { } aliases)
        {
            return new SigmaLoadResult
            {
                Path = path, Status = SigmaLoadStatus.Skipped, Id = id, Title = title, Code = SigmaCodes.Correlation,
                Message = "correlation field aliases are not supported yet", Line = aliases.Start.Line,
            };
        }

        var typeNode = SigmaRuleLoader.Child(correlation, "type");
        var type = (typeNode as YamlScalarNode)?.Value switch
        {
            "event_count" => SigmaCorrelationType.EventCount,
            "value_count" => SigmaCorrelationType.ValueCount,
            "temporal" => SigmaCorrelationType.Temporal,
            "temporal_ordered" => SigmaCorrelationType.TemporalOrdered,
            null => throw new SigmaCompileException(SigmaCodes.Structure, "correlation without 'type' (event_count, value_count, temporal, temporal_ordered)", correlation.Start.Line),
            var other => throw new SigmaCompileException(SigmaCodes.Structure, $"unknown correlation type '{other}'", typeNode!.Start.Line),
        };

        var references = SigmaRuleLoader.Strings(correlation, "rules");
        if (references.Count == 0)
        {
            throw new SigmaCompileException(SigmaCodes.Structure, "correlation without 'rules'", correlation.Start.Line);
        }

        if (type is SigmaCorrelationType.Temporal or SigmaCorrelationType.TemporalOrdered && references.Count < 2)
        {
            throw new SigmaCompileException(SigmaCodes.Structure, $"a {(typeNode as YamlScalarNode)!.Value} correlation needs at least two rules", SigmaRuleLoader.Child(correlation, "rules")!.Start.Line);
        }

        var timespan = ParseTimespan(SigmaRuleLoader.Child(correlation, "timespan"), correlation);
        var unmapped = new List<(string Field, long Line)>();
        var groupBy = SigmaRuleLoader.Strings(correlation, "group-by");
        var groupLine = SigmaRuleLoader.Child(correlation, "group-by")?.Start.Line ?? correlation.Start.Line;
        var groupFields = groupBy.Select(name => Resolve(name, groupLine, unmapped)).ToArray();
        var (condition, valueFieldName, conditionLine) = ParseCondition(SigmaRuleLoader.Child(correlation, "condition"), type, references.Count, correlation);
        var valueField = valueFieldName is null ? null : Resolve(valueFieldName, conditionLine, unmapped);
        if (type is SigmaCorrelationType.Temporal or SigmaCorrelationType.TemporalOrdered && !condition.IsRising)
        {
            throw new SigmaCompileException(SigmaCodes.Value, "temporal correlations take only gt/gte (how many of the rules must match)", conditionLine);
        }

        var generateNode = SigmaRuleLoader.Child(rule, "generate") ?? SigmaRuleLoader.Child(correlation, "generate");
        var generate = generateNode switch
        {
            null => false,
            YamlScalarNode { Value: "true" } => true,
            YamlScalarNode { Value: "false" } => false,
            _ => throw new SigmaCompileException(SigmaCodes.Structure, "'generate' must be true or false", generateNode.Start.Line),
        };

        var tags = SigmaRuleLoader.Strings(rule, "tags");
        var loaded = new SigmaCorrelation
        {
            Id = id ?? "sigma:" + System.IO.Path.GetFileNameWithoutExtension(path) + ":" + title,
            Name = SigmaRuleLoader.Scalar(rule, "name"),
            Title = title,
            Status = status,
            Level = level,
            Author = SigmaRuleLoader.Scalar(rule, "author"),
            Description = SigmaRuleLoader.Scalar(rule, "description"),
            References = SigmaRuleLoader.Strings(rule, "references"),
            Tags = tags,
            Techniques = SigmaRuleLoader.TechniquesFromTags(tags),
            License = source.ResolveLicense(SigmaRuleLoader.Scalar(rule, "license"), path),
            Path = path,
            Ruleset = source.Ruleset,
            Type = type,
            RuleReferences = references,
            GroupBy = groupBy,
            GroupFields = groupFields,
            Timespan = timespan,
            Condition = condition,
            ValueFieldName = valueFieldName,
            ValueField = valueField,
            Generate = generate,
        };

        var result = new SigmaLoadResult { Path = path, Status = SigmaLoadStatus.Ok, Id = loaded.Id, Title = title, Correlation = loaded };
        if (unmapped.Count > 0)
        {
            var (field, line) = unmapped[0];
            return result with { Status = SigmaLoadStatus.Skipped, Correlation = null, Code = SigmaCodes.UnmappedField, Message = $"field {field} has no mapping", Line = line };
        }

        return result;
    }

    /// <summary><c>Ns</c>, <c>Nm</c>, <c>Nh</c>, <c>Nd</c> (the specification's units), N a positive integer.</summary>
    internal static bool TryParseTimespan(string text, out TimeSpan value)
    {
        value = default;
        if (text.Length < 2 || !long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var amount) || amount <= 0 || amount > 366L * 24 * 3600)
        {
            return false;
        }

        var seconds = text[^1] switch
        {
            's' => amount,
            'm' => amount * 60,
            'h' => amount * 3600,
            'd' => amount * 86400,
            _ => -1,
        };
        if (seconds <= 0 || seconds > 366L * 86400)
        {
            return false;
        }

        value = TimeSpan.FromSeconds(seconds);
        return true;
    }

    private static TimeSpan ParseTimespan(YamlNode? node, YamlMappingNode correlation)
    {
        if (node is not YamlScalarNode { Value: { } text })
        {
            throw new SigmaCompileException(SigmaCodes.Structure, "correlation without 'timespan'", node?.Start.Line ?? correlation.Start.Line);
        }

        return TryParseTimespan(text, out var value)
            ? value
            : throw new SigmaCompileException(SigmaCodes.Value, $"timespan '{text}' is not a number followed by s, m, h or d (at most a year)", node.Start.Line);
    }

    private static (SigmaCorrelationCondition Condition, string? ValueField, long Line) ParseCondition(YamlNode? node, SigmaCorrelationType type, int ruleCount, YamlMappingNode correlation)
    {
        if (node is null)
        {
            if (type is SigmaCorrelationType.Temporal or SigmaCorrelationType.TemporalOrdered)
            {
                // The specification's examples leave it out: every referenced rule must match.
                return (new SigmaCorrelationCondition(null, ruleCount, null, null, null), null, correlation.Start.Line);
            }

            throw new SigmaCompileException(SigmaCodes.Structure, "correlation without 'condition'", correlation.Start.Line);
        }

        if (node is not YamlMappingNode map || map.Children.Count == 0)
        {
            throw new SigmaCompileException(SigmaCodes.Structure, "'condition' must be a mapping such as {gte: 10}", node.Start.Line);
        }

        long? gt = null, gte = null, lt = null, lte = null, eq = null;
        string? field = null;
        foreach (var (keyNode, valueNode) in map.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? "";
            if (!ConditionKeys.Contains(key))
            {
                throw new SigmaCompileException(SigmaCodes.Value, $"unknown correlation condition '{key}' (gt, gte, lt, lte, eq, field)", keyNode.Start.Line);
            }

            var text = (valueNode as YamlScalarNode)?.Value;
            if (key == "field")
            {
                field = string.IsNullOrEmpty(text) ? throw new SigmaCompileException(SigmaCodes.Value, "'field' must name a field", valueNode.Start.Line) : text;
                continue;
            }

            if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var bound) || bound > MaxCount)
            {
                throw new SigmaCompileException(SigmaCodes.Value, $"'{key}' must be a count from 0 to {MaxCount}", valueNode.Start.Line);
            }

            switch (key)
            {
                case "gt": gt = bound; break;
                case "gte": gte = bound; break;
                case "lt": lt = bound; break;
                case "lte": lte = bound; break;
                default: eq = bound; break;
            }
        }

        if (gt is null && gte is null && lt is null && lte is null && eq is null)
        {
            throw new SigmaCompileException(SigmaCodes.Structure, "'condition' has no bound (gt, gte, lt, lte, eq)", node.Start.Line);
        }

        if (type == SigmaCorrelationType.ValueCount && field is null)
        {
            throw new SigmaCompileException(SigmaCodes.Structure, "a value_count condition needs 'field'", node.Start.Line);
        }

        if (type != SigmaCorrelationType.ValueCount && field is not null)
        {
            throw new SigmaCompileException(SigmaCodes.Structure, "'field' belongs to value_count conditions only", node.Start.Line);
        }

        var condition = new SigmaCorrelationCondition(gt, gte, lt, lte, eq);
        if (!Enumerable.Range(1, (int)Math.Min(condition.Cap, MaxCount + 1)).Any(n => condition.IsSatisfiedBy(n)))
        {
            throw new SigmaCompileException(SigmaCodes.Value, $"the condition {condition} can never be true", node.Start.Line);
        }

        return (condition, field, node.Start.Line);
    }

    private static FieldDefinition Resolve(string name, long line, List<(string Field, long Line)> unmapped)
    {
        if ((FieldCatalog.FindSigma(name) ?? FieldCatalog.FindEcs(name)) is { } definition)
        {
            return definition;
        }

        unmapped.Add((name, line));
        return new FieldDefinition(name, FieldType.Keyword, "unmapped", name, static _ => null);
    }
}
