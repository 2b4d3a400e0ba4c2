namespace Atalaya.Platform.Linux.Audit;

/// <summary>
/// One kernel audit rule (what <c>auditctl -a always,exit ...</c> would install), in a form that
/// encodes to and decodes from <c>struct audit_rule_data</c>. Records are equal by value so a rule
/// read back from AUDIT_LIST_RULES can be compared with the one that was added.
/// </summary>
public sealed record AuditRule
{
    public uint Filter { get; init; } = AuditRuleConstants.FilterExit;

    public uint Action { get; init; } = AuditRuleConstants.ActionAlways;

    /// <summary>Syscall numbers the rule applies to; <c>null</c> means every syscall (watch rules).</summary>
    public IReadOnlyList<int>? Syscalls { get; init; }

    public IReadOnlyList<AuditRuleField> Fields { get; init; } = [];

    public bool Equals(AuditRule? other) =>
        other is not null
        && Filter == other.Filter
        && Action == other.Action
        && (Syscalls is null ? other.Syscalls is null : other.Syscalls is not null && Syscalls.Order().SequenceEqual(other.Syscalls.Order()))
        && Fields.SequenceEqual(other.Fields);

    public override int GetHashCode() => HashCode.Combine(Filter, Action, Fields.Count);

    /// <summary>The filter key (<c>-k</c>), when the rule carries one.</summary>
    public string? Key => Fields.FirstOrDefault(f => f.Field == AuditRuleConstants.FieldFilterKey)?.Text;

    /// <summary>auditctl-like text for logs and documentation.</summary>
    public override string ToString()
    {
        var parts = new List<string> { "-a always,exit" };
        if (Syscalls is not null)
        {
            parts.Add("-S " + string.Join(',', Syscalls));
        }

        foreach (var field in Fields)
        {
            parts.Add(field.ToString());
        }

        return string.Join(' ', parts);
    }
}

/// <summary>One <c>-F</c> condition: a numeric value, or a string (path, key) carried in the rule buffer.</summary>
public sealed record AuditRuleField(uint Field, uint Operator, uint Value, string? Text = null)
{
    public static AuditRuleField Number(uint field, uint value, uint op = AuditRuleConstants.OpEqual) => new(field, op, value);

    public static AuditRuleField String(uint field, string text) => new(field, AuditRuleConstants.OpEqual, 0, text);

    public override string ToString()
    {
        var name = Field switch
        {
            AuditRuleConstants.FieldArch => "arch",
            AuditRuleConstants.FieldExit => "exit",
            AuditRuleConstants.FieldSuccess => "success",
            AuditRuleConstants.FieldWatch => "path",
            AuditRuleConstants.FieldPerm => "perm",
            AuditRuleConstants.FieldDir => "dir",
            AuditRuleConstants.FieldSaddrFam => "saddr_fam",
            AuditRuleConstants.FieldFilterKey => "key",
            _ => "field" + Field,
        };
        var op = Operator == AuditRuleConstants.OpNotEqual ? "!=" : "=";
        var value = Text ?? (Field == AuditRuleConstants.FieldExit ? ((int)Value).ToString(System.Globalization.CultureInfo.InvariantCulture)
            : Field == AuditRuleConstants.FieldArch ? "0x" + Value.ToString("x", System.Globalization.CultureInfo.InvariantCulture)
            : Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return $"-F {name}{op}{value}";
    }
}
