using System.Globalization;
using Atalaya.Core.Schema;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Atalaya.Core.Detection.Sigma;

/// <summary>
/// Compiles a rule's <c>detection</c> mapping: each search identifier into field and keyword
/// conditions, then the condition expression over them. Field names resolve once, here, to the
/// catalog's readers; a name with no mapping is recorded (the rule is then skipped, not broken).
/// </summary>
internal sealed class DetectionCompiler(AuditdRecordType? record = null)
{
    /// <summary>Upper bound on values in one rule: real rules have a few hundred at most.</summary>
    public const int MaxValues = 10_000;

    private static readonly HashSet<string> ValueModifiers = new(StringComparer.Ordinal)
    {
        "contains", "startswith", "endswith", "all", "re", "i", "m", "s", "cidr", "exists", "cased", "windash",
        "base64", "base64offset", "gt", "gte", "lt", "lte", "fieldref", "utf16le", "utf16be", "utf16", "wide",
    };

    private readonly Dictionary<string, SearchCondition> _searches = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];
    private int _values;

    public List<(string Field, long Line)> Unmapped { get; } = [];

    /// <summary>The <c>type</c> values an auditd rule tests (to say which record types it needs when none is presented).</summary>
    public List<string> AuditdTypes { get; } = [];

    public SigmaCondition Compile(YamlMappingNode detection)
    {
        YamlNode? conditionNode = null;
        foreach (var (keyNode, valueNode) in detection.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? throw new SigmaCompileException(SigmaCodes.Structure, "detection keys must be names", keyNode.Start.Line);
            if (key == "condition")
            {
                conditionNode = valueNode;
                continue;
            }

            if (key == "timeframe")
            {
                continue;
            }

            _searches[key] = new SearchCondition(key, CompileSearch(key, valueNode));
            _order.Add(key);
        }

        if (conditionNode is null)
        {
            throw new SigmaCompileException(SigmaCodes.Structure, "missing 'detection.condition'", detection.Start.Line);
        }

        var texts = conditionNode switch
        {
            YamlScalarNode { Value: { Length: > 0 } one } => [one],
            YamlSequenceNode list when list.Children.Count > 0 && list.All(n => n is YamlScalarNode { Value.Length: > 0 }) =>
                list.Select(n => ((YamlScalarNode)n).Value!).ToList(),
            _ => throw new SigmaCompileException(SigmaCodes.Structure, "'condition' must be a non-empty string (or list of strings)", conditionNode.Start.Line),
        };

        var compiled = new List<SigmaCondition>();
        foreach (var text in texts)
        {
            if (text.Contains('|', StringComparison.Ordinal))
            {
                throw new SigmaCompileException(SigmaCodes.Condition, "aggregation conditions ('| count() ...') are deprecated in Sigma v2; write a correlation rule", conditionNode.Start.Line);
            }

            ConditionNode parsed;
            try
            {
                parsed = ConditionParser.Parse(text);
            }
            catch (FormatException ex)
            {
                throw new SigmaCompileException(SigmaCodes.Condition, "condition: " + ex.Message, conditionNode.Start.Line);
            }

            compiled.Add(Bind(parsed, conditionNode.Start.Line));
        }

        return compiled.Count == 1 ? compiled[0] : SigmaCondition.Or(compiled);
    }

    private SigmaCondition Bind(ConditionNode node, long line)
    {
        switch (node)
        {
            case AndNode or OrNode:
                // Chains are left-deep (a and b and c ...): flatten iteratively so a long chain cannot overflow the stack.
                var isAnd = node is AndNode;
                var operands = new List<ConditionNode>();
                var current = node;
                while (current is AndNode a && isAnd || current is OrNode o && !isAnd)
                {
                    var (left, right) = current is AndNode and ? (and.Left, and.Right) : (((OrNode)current).Left, ((OrNode)current).Right);
                    operands.Add(right);
                    current = left;
                }

                operands.Add(current);
                operands.Reverse();
                var bound = operands.Select(o => Bind(o, line)).ToArray();
                return isAnd ? SigmaCondition.And(bound) : SigmaCondition.Or(bound);
            case NotNode not:
                return SigmaCondition.Not(Bind(not.Operand, line));
            case IdentifierNode identifier:
                return _searches.TryGetValue(identifier.Name, out var search)
                    ? search
                    : throw new SigmaCompileException(SigmaCodes.UnknownIdentifier, $"condition names '{identifier.Name}', which the detection does not define", line);
            case QuantifierNode quantifier:
                var names = quantifier.Pattern is null
                    ? _order.Where(n => !n.StartsWith('_')).ToList()
                    : _order.Where(n => WildcardName(quantifier.Pattern, n)).ToList();
                if (names.Count == 0)
                {
                    throw new SigmaCompileException(SigmaCodes.UnknownIdentifier,
                        quantifier.Pattern is null ? "'them' but the detection defines no search" : $"pattern '{quantifier.Pattern}' matches no search identifier", line);
                }

                SigmaCondition[] members = [.. names.Select(n => (SigmaCondition)_searches[n])];
                return quantifier.Count switch
                {
                    0 => SigmaCondition.And(members),
                    1 => SigmaCondition.Or(members),
                    var n => SigmaCondition.AtLeast(n, members),
                };
            default:
                throw new SigmaCompileException(SigmaCodes.Condition, "unsupported condition", line);
        }
    }

    /// <summary>Identifier patterns in conditions: <c>*</c> matches any run of characters.</summary>
    private static bool WildcardName(string pattern, string name)
    {
        var star = pattern.IndexOf('*', StringComparison.Ordinal);
        if (star < 0)
        {
            return pattern == name;
        }

        var matcher = new WildcardMatcher(SigmaPattern.Parse(pattern), cased: true);
        return matcher.MatchString(name);
    }

    private SigmaCondition CompileSearch(string name, YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode map:
                return CompileMap(map);
            case YamlSequenceNode list when list.Children.Count > 0 && list.All(n => n is YamlMappingNode):
                return SigmaCondition.Or([.. list.Select(n => CompileMap((YamlMappingNode)n))]);
            case YamlSequenceNode list when list.Children.Count > 0 && list.All(n => n is YamlScalarNode):
                return Keywords(CompileValues(null, [], [.. list.Cast<YamlScalarNode>()], keyword: true, node.Start.Line), all: false);
            case YamlScalarNode scalar when !IsNull(scalar):
                return Keywords(CompileValues(null, [], [scalar], keyword: true, node.Start.Line), all: false);
            default:
                throw new SigmaCompileException(SigmaCodes.Structure, $"search '{name}' must be a map, a list of maps or a list of keywords", node.Start.Line);
        }
    }

    private SigmaCondition CompileMap(YamlMappingNode map)
    {
        if (map.Children.Count == 0)
        {
            throw new SigmaCompileException(SigmaCodes.Structure, "empty search map", map.Start.Line);
        }

        var fields = new List<SigmaCondition>();
        foreach (var (keyNode, valueNode) in map.Children)
        {
            var line = keyNode.Start.Line;
            var key = (keyNode as YamlScalarNode)?.Value ?? throw new SigmaCompileException(SigmaCodes.Structure, "field names must be strings", line);
            var parts = key.Split('|');
            var fieldName = parts[0];
            var modifiers = parts.Skip(1).Select(m => m.ToLowerInvariant()).ToList();
            foreach (var modifier in modifiers)
            {
                if (!ValueModifiers.Contains(modifier))
                {
                    throw new SigmaCompileException(SigmaCodes.UnknownModifier,
                        modifier == "expand" ? "unsupported modifier 'expand' (placeholders are not supported)" : $"unknown modifier '{modifier}'", line);
                }
            }

            var values = valueNode switch
            {
                YamlScalarNode scalar => [scalar],
                YamlSequenceNode list when list.All(n => n is YamlScalarNode) => list.Cast<YamlScalarNode>().ToList(),
                _ => throw new SigmaCompileException(SigmaCodes.Structure, $"the value of '{key}' must be a value or a list of values", valueNode.Start.Line),
            };
            if (values.Count == 0)
            {
                throw new SigmaCompileException(SigmaCodes.Structure, $"'{key}' has an empty list of values", valueNode.Start.Line);
            }

            var all = modifiers.Contains("all");
            var suffix = modifiers.Count == 0 ? "" : "|" + string.Join('|', modifiers);
            if (fieldName.Length == 0)
            {
                fields.Add(Keywords(CompileValues(null, modifiers, values, keyword: true, line), all));
                continue;
            }

            if (record is { } type && CompileAuditdField(type, fieldName, modifiers, values, all, line) is { } folded)
            {
                fields.Add(folded);
                continue;
            }

            var field = record is { } recordType
                ? new SigmaFieldRef(fieldName, AuditdView.Field(recordType, fieldName)!)
                : Resolve(fieldName, line);
            if (modifiers.Contains("fieldref"))
            {
                fields.Add(CompileFieldRef(field, modifiers, values, all, line));
                continue;
            }

            fields.Add(new FieldCondition(field, suffix, CompileValues(field, modifiers, values, keyword: false, line), all));
        }

        return SigmaCondition.And(fields);
    }

    private KeywordCondition Keywords(ValueMatcher[] matchers, bool all) =>
        new(matchers, all, record is { } type ? AuditdView.KeywordFields(type) : null);

    /// <summary>
    /// For a rule compiled for one audit record type: <c>type</c> and fields that record does not
    /// have are known now (a constant), a field audit records but the view lacks is unavailable;
    /// null for a field the view reads (compiled as usual).
    /// </summary>
    private SigmaCondition? CompileAuditdField(AuditdRecordType type, string fieldName, List<string> modifiers, List<YamlScalarNode> values, bool all, long line)
    {
        var isType = fieldName == "type";
        if (!isType && AuditdView.Field(type, fieldName) is not null)
        {
            return null;
        }

        if (!isType && !AuditdView.IsAbsent(type, fieldName))
        {
            return new UnavailableFieldCondition(fieldName, line);
        }

        if (modifiers.Contains("fieldref"))
        {
            throw new SigmaCompileException(SigmaCodes.Value, $"'fieldref' on auditd field '{fieldName}' is not supported", line);
        }

        var matchers = CompileValues(null, modifiers, values, keyword: false, line);
        if (isType)
        {
            AuditdTypes.AddRange(values.Select(v => v.Value ?? ""));
        }

        var name = AuditdView.TypeName(type);
        bool Test(ValueMatcher m) => isType ? m.MatchString(name) : m.MatchAbsent();
        var known = all ? matchers.All(Test) : matchers.Any(Test);
        return known ? ConstantCondition.True : ConstantCondition.False;
    }

    private SigmaFieldRef Resolve(string name, long line)
    {
        var definition = FieldCatalog.FindSigma(name) ?? FieldCatalog.FindEcs(name);
        if (definition is null)
        {
            Unmapped.Add((name, line));
            definition = new FieldDefinition(name, FieldType.Keyword, "unmapped", name, static _ => null);
        }

        return new SigmaFieldRef(name, definition);
    }

    private SigmaCondition CompileFieldRef(SigmaFieldRef field, List<string> modifiers, List<YamlScalarNode> values, bool all, long line)
    {
        var allowed = new HashSet<string>(StringComparer.Ordinal) { "fieldref", "contains", "startswith", "endswith", "cased", "all" };
        if (modifiers.FirstOrDefault(m => !allowed.Contains(m)) is { } bad)
        {
            throw new SigmaCompileException(SigmaCodes.Value, $"'fieldref' does not combine with '{bad}'", line);
        }

        var kind = modifiers.Contains("contains") ? "contains" : modifiers.Contains("startswith") ? "startswith" : modifiers.Contains("endswith") ? "endswith" : "equals";
        var conditions = values.Select(v => (SigmaCondition)new FieldRefCondition(field, Resolve(v.Value ?? "", line), kind, modifiers.Contains("cased"))).ToArray();
        return conditions.Length == 1 ? conditions[0] : all ? new AllCondition(conditions) : new AnyCondition(conditions);
    }

    private ValueMatcher[] CompileValues(SigmaFieldRef? field, List<string> modifiers, List<YamlScalarNode> values, bool keyword, long line)
    {
        _values += values.Count;
        if (_values > MaxValues)
        {
            throw new SigmaCompileException(SigmaCodes.Value, $"more than {MaxValues} values in one rule", line);
        }

        var cased = modifiers.Contains("cased");
        var all = modifiers.Contains("all");
        var regexFlags = modifiers.Where(m => m is "i" or "m" or "s").ToList();
        var compare = modifiers.FirstOrDefault(m => m is "gt" or "gte" or "lt" or "lte");
        var position = modifiers.Where(m => m is "contains" or "startswith" or "endswith").ToList();
        var transforms = modifiers.Where(ValueTransforms.IsTransform).ToList();

        if (regexFlags.Count > 0 && !modifiers.Contains("re"))
        {
            throw new SigmaCompileException(SigmaCodes.UnknownModifier, $"modifier '{regexFlags[0]}' is only valid after 're'", line);
        }

        if (position.Count > 1)
        {
            throw new SigmaCompileException(SigmaCodes.Value, $"'{position[0]}' and '{position[1]}' cannot be combined", line);
        }

        if (modifiers.Contains("exists"))
        {
            if (modifiers.Count > 1 || values.Count != 1 || values[0].Value?.ToLowerInvariant() is not ("true" or "false"))
            {
                throw new SigmaCompileException(SigmaCodes.Value, "'exists' takes a single true or false and no other modifier", line);
            }

            return [new ExistsMatcher(values[0].Value!.Equals("true", StringComparison.OrdinalIgnoreCase))];
        }

        if (modifiers.Contains("re"))
        {
            if (modifiers.Any(m => m is not ("re" or "i" or "m" or "s" or "all")))
            {
                throw new SigmaCompileException(SigmaCodes.Value, "'re' combines only with i, m, s and all", line);
            }

            return [.. values.Select(v => WithLine(() => RegexMatcher.Create(v.Value ?? "", regexFlags.Contains("i"), regexFlags.Contains("m"), regexFlags.Contains("s")), v.Start.Line))];
        }

        if (modifiers.Contains("cidr"))
        {
            if (modifiers.Any(m => m is not ("cidr" or "all")))
            {
                throw new SigmaCompileException(SigmaCodes.Value, "'cidr' does not combine with other modifiers", line);
            }

            return [WithLine(() => CidrMatcher.Create([.. values.Select(v => v.Value ?? "")]), line)];
        }

        if (compare is not null)
        {
            if (modifiers.Count > 1)
            {
                throw new SigmaCompileException(SigmaCodes.Value, $"'{compare}' does not combine with other modifiers", line);
            }

            return [.. values.Select(v => double.TryParse(v.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var bound)
                ? (ValueMatcher)new CompareMatcher(compare, bound)
                : throw new SigmaCompileException(SigmaCodes.Value, $"'{compare}' needs a number, not '{v.Value}'", v.Start.Line))];
        }

        var matchers = new List<ValueMatcher>();
        foreach (var node in values)
        {
            if (IsNull(node))
            {
                if (modifiers.Any(m => m is not ("all" or "cased")) || keyword)
                {
                    throw new SigmaCompileException(SigmaCodes.Value, "null cannot take modifiers or be a keyword", node.Start.Line);
                }

                matchers.Add(new NullMatcher());
                continue;
            }

            var raw = node.Value ?? "";
            if (field?.Definition.SigmaValues is { } translation && translation.TryGetValue(raw, out var translated))
            {
                raw = translated;
            }

            var variants = new List<ValueTransforms.Value> { new(SigmaPattern.Parse(raw), null) };
            foreach (var transform in transforms)
            {
                variants = WithLine(() => ValueTransforms.Apply(transform, variants), node.Start.Line);
            }

            foreach (var variant in variants)
            {
                if (variant.Text is null)
                {
                    throw new SigmaCompileException(SigmaCodes.Value, "utf16 modifiers must be followed by base64 or base64offset", node.Start.Line);
                }

                var pattern = variant.Text;
                var kind = position.FirstOrDefault() ?? (keyword || transforms.Contains("base64offset") ? "contains" : null);
                switch (kind)
                {
                    case "contains":
                        pattern.WrapContains();
                        break;
                    case "startswith":
                        pattern.AppendStar();
                        break;
                    case "endswith":
                        pattern.PrependStar();
                        break;
                }

                matchers.Add(Classify(pattern, cased));
            }
        }

        return all ? [.. matchers] : Merge(matchers);
    }

    /// <summary>Picks the cheapest matcher for a pattern: exact, prefix, suffix, substring, or general wildcard.</summary>
    internal static ValueMatcher Classify(SigmaPattern pattern, bool cased)
    {
        var items = pattern.Items;
        while (items.Count > 1 && items[0] == SigmaPattern.Star && items[1] == SigmaPattern.Star)
        {
            items.RemoveAt(0);
        }

        for (var i = items.Count - 1; i > 0; i--)
        {
            if (items[i] == SigmaPattern.Star && items[i - 1] == SigmaPattern.Star)
            {
                items.RemoveAt(i);
            }
        }

        if (items.Count == 1 && items[0] == SigmaPattern.Star)
        {
            return new AnyValueMatcher();
        }

        var leading = items.Count > 0 && items[0] == SigmaPattern.Star;
        var trailing = items.Count > 1 && items[^1] == SigmaPattern.Star;
        var inner = items.Skip(leading ? 1 : 0).Take(items.Count - (leading ? 1 : 0) - (trailing ? 1 : 0)).ToList();
        if (inner.Any(c => c < 0))
        {
            return new WildcardMatcher(pattern, cased);
        }

        var literal = new string([.. inner.Select(c => (char)c)]);
        return (leading, trailing) switch
        {
            (true, true) => new ContainsMatcher(literal, cased),
            (false, true) => new StartsWithMatcher(literal, cased),
            (true, false) => new EndsWithMatcher(literal, cased),
            _ => new EqualsMatcher(literal, cased),
        };
    }

    /// <summary>OR-ed values of one kind become one set matcher (one search instead of N).</summary>
    private static ValueMatcher[] Merge(List<ValueMatcher> matchers)
    {
        var result = new List<ValueMatcher>();
        foreach (var cased in new[] { false, true })
        {
            var equals = matchers.OfType<EqualsMatcher>().Where(m => m.Cased == cased).ToList();
            var contains = matchers.OfType<ContainsMatcher>().Where(m => m.Cased == cased && m.Needle.Length > 0).ToList();
            var endsWith = matchers.OfType<EndsWithMatcher>().Where(m => m.Cased == cased).ToList();
            if (equals.Count > 1)
            {
                result.Add(new EqualsAnyMatcher([.. equals.Select(m => m.Literal)], cased));
                matchers.RemoveAll(m => equals.Contains(m));
            }

            if (contains.Count > 1)
            {
                result.Add(new ContainsAnyMatcher([.. contains.Select(m => m.Needle)], cased));
                matchers.RemoveAll(m => contains.Contains(m));
            }

            if (endsWith.Count > 1)
            {
                result.Add(new EndsWithAnyMatcher([.. endsWith.Select(m => m.Suffix)], cased));
                matchers.RemoveAll(m => endsWith.Contains(m));
            }
        }

        return [.. matchers, .. result];
    }

    private static T WithLine<T>(Func<T> action, long line)
    {
        try
        {
            return action();
        }
        catch (SigmaCompileException ex) when (ex.Line == 0)
        {
            throw new SigmaCompileException(ex.Code, ex.Message, line);
        }
    }

    private static bool IsNull(YamlScalarNode node) =>
        node.Style == ScalarStyle.Plain && (node.Value is null or "" or "~" || node.Value.Equals("null", StringComparison.OrdinalIgnoreCase));
}
