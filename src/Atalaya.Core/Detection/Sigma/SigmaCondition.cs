using Atalaya.Core.Schema;

namespace Atalaya.Core.Detection.Sigma;

/// <summary>
/// A compiled condition node. Evaluation short-circuits and allocates nothing; <see cref="Explain"/>
/// runs only after a match, to say which field and value made the rule fire.
/// </summary>
internal abstract class SigmaCondition
{
    public abstract bool Evaluate(EcsEvent value, string? rawLine);

    /// <summary>Appends why this node is true (called only when it is).</summary>
    public abstract void Explain(EcsEvent value, string? rawLine, List<string> reasons);

    /// <summary>
    /// A necessary condition for the prefilter: when this node is true, at least one of the returned
    /// literals occurs (ignoring ASCII case) in the value of its field. Null when no such set is
    /// known (negations, keywords, regexes...): the rule is then always evaluated.
    /// </summary>
    public virtual RequiredLiteral[]? Required() => null;

    /// <summary>True or false when known at compile time (an auditd <c>type</c> test of a rule compiled for one record type), else null.</summary>
    public virtual bool? Constant => null;

    /// <summary>The nodes below this one (to find what a compiled rule still depends on).</summary>
    public virtual IEnumerable<SigmaCondition> Operands => [];

    /// <summary>This node and every node below it.</summary>
    public IEnumerable<SigmaCondition> Walk()
    {
        var stack = new Stack<SigmaCondition>();
        stack.Push(this);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            yield return node;
            foreach (var operand in node.Operands)
            {
                stack.Push(operand);
            }
        }
    }

    /// <summary>AND, with constants folded (a false operand makes it false, true operands drop out).</summary>
    public static SigmaCondition And(IReadOnlyList<SigmaCondition> operands)
    {
        if (operands.Any(o => o.Constant == false))
        {
            return ConstantCondition.False;
        }

        SigmaCondition[] rest = [.. operands.Where(o => o.Constant != true)];
        return rest.Length switch
        {
            0 => ConstantCondition.True,
            1 => rest[0],
            _ => new AllCondition(rest),
        };
    }

    /// <summary>OR, with constants folded.</summary>
    public static SigmaCondition Or(IReadOnlyList<SigmaCondition> operands)
    {
        if (operands.Any(o => o.Constant == true))
        {
            return ConstantCondition.True;
        }

        SigmaCondition[] rest = [.. operands.Where(o => o.Constant != false)];
        return rest.Length switch
        {
            0 => ConstantCondition.False,
            1 => rest[0],
            _ => new AnyCondition(rest),
        };
    }

    /// <summary>At least <paramref name="count"/> operands, with constants folded.</summary>
    public static SigmaCondition AtLeast(int count, IReadOnlyList<SigmaCondition> operands)
    {
        var known = operands.Count(o => o.Constant == true);
        SigmaCondition[] rest = [.. operands.Where(o => o.Constant is null)];
        var needed = count - known;
        return needed <= 0 ? ConstantCondition.True
            : rest.Length < needed ? ConstantCondition.False
            : needed == 1 ? Or(rest)
            : needed == rest.Length ? And(rest)
            : new AtLeastCondition(needed, rest);
    }

    public static SigmaCondition Not(SigmaCondition operand) =>
        operand.Constant is { } known ? (known ? ConstantCondition.False : ConstantCondition.True) : new NotCondition(operand);
}

/// <summary>A condition known when the rule is compiled (an auditd <c>type</c> test for the record type being compiled).</summary>
internal sealed class ConstantCondition : SigmaCondition
{
    private readonly bool _value;

    private ConstantCondition(bool value) => _value = value;

    public static ConstantCondition True { get; } = new(true);

    public static ConstantCondition False { get; } = new(false);

    public override bool? Constant => _value;

    public override bool Evaluate(EcsEvent value, string? rawLine) => _value;

    public override void Explain(EcsEvent value, string? rawLine, List<string> reasons)
    {
    }
}

/// <summary>
/// A field the real audit record carries but the auditd view does not provide: it makes the rule
/// skip (reported), never evaluates. Kept in the tree only so the loader can find it after folding.
/// </summary>
internal sealed class UnavailableFieldCondition(string name, long line) : SigmaCondition
{
    public string Field => name;

    public long Line => line;

    public override bool Evaluate(EcsEvent value, string? rawLine) => false;

    public override void Explain(EcsEvent value, string? rawLine, List<string> reasons)
    {
    }
}

/// <summary>A literal one field's value must contain, lower-cased ASCII (see <see cref="PrefilterLiterals"/>).</summary>
internal readonly record struct RequiredLiteral(FieldDefinition Field, string Literal);

internal sealed class AllCondition(SigmaCondition[] operands) : SigmaCondition
{
    public override IEnumerable<SigmaCondition> Operands => operands;

    // Any operand's set is necessary for the conjunction; keep the most selective one.
    public override RequiredLiteral[]? Required() => PrefilterLiterals.MostSelective(operands.Select(o => o.Required()));

    public override bool Evaluate(EcsEvent value, string? rawLine)
    {
        foreach (var operand in operands)
        {
            if (!operand.Evaluate(value, rawLine))
            {
                return false;
            }
        }

        return true;
    }

    public override void Explain(EcsEvent value, string? rawLine, List<string> reasons)
    {
        foreach (var operand in operands)
        {
            operand.Explain(value, rawLine, reasons);
        }
    }
}

internal sealed class AnyCondition(SigmaCondition[] operands) : SigmaCondition
{
    public override IEnumerable<SigmaCondition> Operands => operands;

    public override RequiredLiteral[]? Required() => PrefilterLiterals.Union(operands.Select(o => o.Required()));

    public override bool Evaluate(EcsEvent value, string? rawLine)
    {
        foreach (var operand in operands)
        {
            if (operand.Evaluate(value, rawLine))
            {
                return true;
            }
        }

        return false;
    }

    public override void Explain(EcsEvent value, string? rawLine, List<string> reasons)
    {
        foreach (var operand in operands)
        {
            if (operand.Evaluate(value, rawLine))
            {
                operand.Explain(value, rawLine, reasons);
                return;
            }
        }
    }
}

/// <summary><c>N of pattern</c> for N greater than one.</summary>
internal sealed class AtLeastCondition(int count, SigmaCondition[] operands) : SigmaCondition
{
    public override IEnumerable<SigmaCondition> Operands => operands;

    // At least one operand is true, so the union is necessary (weaker than it could be, never wrong).
    public override RequiredLiteral[]? Required() => PrefilterLiterals.Union(operands.Select(o => o.Required()));

    public override bool Evaluate(EcsEvent value, string? rawLine)
    {
        var matched = 0;
        foreach (var operand in operands)
        {
            if (operand.Evaluate(value, rawLine) && ++matched >= count)
            {
                return true;
            }
        }

        return false;
    }

    public override void Explain(EcsEvent value, string? rawLine, List<string> reasons)
    {
        foreach (var operand in operands)
        {
            if (operand.Evaluate(value, rawLine))
            {
                operand.Explain(value, rawLine, reasons);
            }
        }
    }
}

internal sealed class NotCondition(SigmaCondition operand) : SigmaCondition
{
    public override IEnumerable<SigmaCondition> Operands => [operand];

    public override bool Evaluate(EcsEvent value, string? rawLine) => !operand.Evaluate(value, rawLine);

    // What did not match is not evidence worth printing.
    public override void Explain(EcsEvent value, string? rawLine, List<string> reasons)
    {
    }
}

/// <summary>A named search of the detection section (<c>selection</c>, <c>filter_main_x</c>, ...).</summary>
internal sealed class SearchCondition(string name, SigmaCondition body) : SigmaCondition
{
    public string Name => name;

    public override bool? Constant => body.Constant;

    public override IEnumerable<SigmaCondition> Operands => [body];

    public override bool Evaluate(EcsEvent value, string? rawLine) => body.Evaluate(value, rawLine);

    public override void Explain(EcsEvent value, string? rawLine, List<string> reasons) => body.Explain(value, rawLine, reasons);

    public override RequiredLiteral[]? Required() => body.Required();
}

/// <summary>One field of a search map with its values: OR of values, or AND with <c>|all</c>.</summary>
internal sealed class FieldCondition(SigmaFieldRef target, string modifiers, ValueMatcher[] matchers, bool all) : SigmaCondition
{
    public SigmaFieldRef Field => target;

    public override RequiredLiteral[]? Required()
    {
        var scanned = AuditdView.PrefilterField(target.Definition);
        var sets = matchers.Select(m => m.RequiredLiterals() is { } literals
            ? literals.Select(l => new RequiredLiteral(scanned, l)).ToArray()
            : null);
        return all ? PrefilterLiterals.MostSelective(sets) : PrefilterLiterals.Union(sets);
    }

    public override bool Evaluate(EcsEvent value, string? rawLine)
    {
        var fieldValue = target.Definition.Read(value);
        if (all)
        {
            foreach (var matcher in matchers)
            {
                if (!matcher.Match(fieldValue))
                {
                    return false;
                }
            }

            return true;
        }

        foreach (var matcher in matchers)
        {
            if (matcher.Match(fieldValue))
            {
                return true;
            }
        }

        return false;
    }

    public override void Explain(EcsEvent value, string? rawLine, List<string> reasons)
    {
        var fieldValue = target.Definition.Read(value);
        var matched = matchers.Where(m => m.Match(fieldValue)).Select(m => m.Describe()).ToList();
        var shown = fieldValue switch
        {
            null => "absent",
            IReadOnlyList<string> list => "[" + string.Join(", ", list) + "]",
            _ => Convert.ToString(fieldValue, System.Globalization.CultureInfo.InvariantCulture) ?? "",
        };
        reasons.Add($"{target.SigmaName}{modifiers} {string.Join(" and ", matched)} ({target.Definition.EcsName} = \"{Truncate(shown)}\")");
    }

    internal static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "…";
}

/// <summary><c>field|fieldref: other</c>: the two fields hold the same value (or one contains, starts or ends with the other).</summary>
internal sealed class FieldRefCondition(SigmaFieldRef target, SigmaFieldRef other, string kind, bool cased) : SigmaCondition
{
    public override bool Evaluate(EcsEvent value, string? rawLine)
    {
        if (target.Definition.Read(value) is not string left || other.Definition.Read(value) is not string right)
        {
            return false;
        }

        var comparison = cased ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        return kind switch
        {
            "contains" => left.Contains(right, comparison),
            "startswith" => left.StartsWith(right, comparison),
            "endswith" => left.EndsWith(right, comparison),
            _ => left.Equals(right, comparison),
        };
    }

    public override void Explain(EcsEvent value, string? rawLine, List<string> reasons) =>
        reasons.Add($"{target.SigmaName} {(kind == "equals" ? "equals" : kind)} the value of {other.SigmaName}");
}

/// <summary>
/// Fieldless keywords: the values are searched in every text field of the event and in the raw
/// log line when there is one (OR of values, AND with <c>|all</c>). An auditd rule searches only
/// the fields of the record it is compiled for (<paramref name="fields"/>), as its log line holds them.
/// </summary>
internal sealed class KeywordCondition(ValueMatcher[] matchers, bool all, FieldDefinition[]? fields = null) : SigmaCondition
{
    private static readonly FieldDefinition[] EventTextFields =
        [.. FieldCatalog.All.Where(f => f.Type is FieldType.Keyword or FieldType.Text or FieldType.Ip)];

    private readonly FieldDefinition[] _fields = fields ?? EventTextFields;

    // Only the record-scoped form has a necessary literal: one of its few fields must hold it.
    // Over a whole event (or a raw line) the prefilter cannot name the field.
    public override RequiredLiteral[]? Required()
    {
        if (fields is null)
        {
            return null;
        }

        var sets = matchers.Select(m => m.RequiredLiterals() is { } literals
            ? fields.SelectMany(f => literals.Select(l => new RequiredLiteral(f, l))).ToArray()
            : null);
        return all ? PrefilterLiterals.MostSelective(sets) : PrefilterLiterals.Union(sets);
    }

    public override bool Evaluate(EcsEvent value, string? rawLine)
    {
        if (all)
        {
            foreach (var matcher in matchers)
            {
                if (!Anywhere(matcher, value, rawLine))
                {
                    return false;
                }
            }

            return true;
        }

        foreach (var matcher in matchers)
        {
            if (Anywhere(matcher, value, rawLine))
            {
                return true;
            }
        }

        return false;
    }

    public override void Explain(EcsEvent value, string? rawLine, List<string> reasons)
    {
        foreach (var matcher in matchers)
        {
            if (rawLine is not null && matcher.MatchString(rawLine))
            {
                reasons.Add($"the log line {matcher.Describe()} (\"{FieldCondition.Truncate(rawLine)}\")");
                continue;
            }

            foreach (var field in _fields)
            {
                var fieldValue = field.Read(value);
                if (fieldValue is not null && matcher.Match(fieldValue))
                {
                    reasons.Add($"{field.EcsName} {matcher.Describe()}");
                    break;
                }
            }
        }
    }

    private bool Anywhere(ValueMatcher matcher, EcsEvent value, string? rawLine)
    {
        if (rawLine is not null && matcher.MatchString(rawLine))
        {
            return true;
        }

        foreach (var field in _fields)
        {
            var fieldValue = field.Read(value);
            if (fieldValue is not null && matcher.Match(fieldValue))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>A Sigma field name bound to the catalog field it reads.</summary>
internal sealed record SigmaFieldRef(string SigmaName, FieldDefinition Definition);
