using System.Buffers.Binary;
using System.Text;

namespace Atalaya.Platform.Linux.Audit;

/// <summary>
/// <c>struct audit_rule_data</c> to and from bytes (host order; the supported architectures are
/// little-endian). String fields carry their length in <c>values[i]</c> and their bytes, unterminated,
/// one after the other in <c>buf</c>.
/// </summary>
public static class AuditRuleCodec
{
    private const int MaskOffset = 12;
    private const int FieldsOffset = MaskOffset + (AuditRuleConstants.BitmaskWords * 4);
    private const int ValuesOffset = FieldsOffset + (AuditRuleConstants.MaxFields * 4);
    private const int FieldFlagsOffset = ValuesOffset + (AuditRuleConstants.MaxFields * 4);
    private const int BufLenOffset = FieldFlagsOffset + (AuditRuleConstants.MaxFields * 4);

    public static byte[] Encode(AuditRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        if (rule.Fields.Count > AuditRuleConstants.MaxFields)
        {
            throw new ArgumentException($"a rule holds at most {AuditRuleConstants.MaxFields} fields", nameof(rule));
        }

        var strings = new List<byte[]>();
        foreach (var field in rule.Fields)
        {
            if (field.Text is not null)
            {
                strings.Add(Encoding.UTF8.GetBytes(field.Text));
            }
        }

        var bufLength = strings.Sum(s => s.Length);
        var bytes = new byte[AuditRuleConstants.RuleHeaderSize + bufLength];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, rule.Filter);
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], rule.Action);
        BinaryPrimitives.WriteUInt32LittleEndian(span[8..], (uint)rule.Fields.Count);
        for (var word = 0; word < AuditRuleConstants.BitmaskWords; word++)
        {
            var mask = rule.Syscalls is null ? uint.MaxValue : 0u;
            BinaryPrimitives.WriteUInt32LittleEndian(span[(MaskOffset + (word * 4))..], mask);
        }

        foreach (var nr in rule.Syscalls ?? [])
        {
            if (nr < 0 || nr >= AuditRuleConstants.BitmaskWords * 32)
            {
                throw new ArgumentException($"syscall number {nr} is outside the audit bitmask", nameof(rule));
            }

            var at = span[(MaskOffset + (nr / 32 * 4))..];
            BinaryPrimitives.WriteUInt32LittleEndian(at, BinaryPrimitives.ReadUInt32LittleEndian(at) | (1u << (nr % 32)));
        }

        var buf = AuditRuleConstants.RuleHeaderSize;
        var next = 0;
        for (var i = 0; i < rule.Fields.Count; i++)
        {
            var field = rule.Fields[i];
            var value = field.Value;
            if (field.Text is not null)
            {
                var text = strings[next++];
                value = (uint)text.Length;
                text.CopyTo(span[buf..]);
                buf += text.Length;
            }

            BinaryPrimitives.WriteUInt32LittleEndian(span[(FieldsOffset + (i * 4))..], field.Field);
            BinaryPrimitives.WriteUInt32LittleEndian(span[(ValuesOffset + (i * 4))..], value);
            BinaryPrimitives.WriteUInt32LittleEndian(span[(FieldFlagsOffset + (i * 4))..], field.Operator);
        }

        BinaryPrimitives.WriteUInt32LittleEndian(span[BufLenOffset..], (uint)bufLength);
        return bytes;
    }

    /// <summary>A rule as AUDIT_LIST_RULES returns it; false when the bytes are not a whole rule.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> data, out AuditRule rule)
    {
        rule = null!;
        if (data.Length < AuditRuleConstants.RuleHeaderSize)
        {
            return false;
        }

        var count = BinaryPrimitives.ReadUInt32LittleEndian(data[8..]);
        var bufLength = BinaryPrimitives.ReadUInt32LittleEndian(data[BufLenOffset..]);
        if (count > AuditRuleConstants.MaxFields || bufLength > data.Length - AuditRuleConstants.RuleHeaderSize)
        {
            return false;
        }

        var all = true;
        var syscalls = new List<int>();
        for (var word = 0; word < AuditRuleConstants.BitmaskWords; word++)
        {
            var mask = BinaryPrimitives.ReadUInt32LittleEndian(data[(MaskOffset + (word * 4))..]);
            // The top bits of the last word name syscall classes; the kernel expands and clears them,
            // so an all-syscalls rule (a watch) lists with that word partly set.
            all &= mask == uint.MaxValue || word == AuditRuleConstants.BitmaskWords - 1;
            for (var bit = 0; bit < 32; bit++)
            {
                if ((mask & (1u << bit)) != 0)
                {
                    syscalls.Add((word * 32) + bit);
                }
            }
        }

        var buf = data.Slice(AuditRuleConstants.RuleHeaderSize, (int)bufLength);
        var fields = new List<AuditRuleField>((int)count);
        for (var i = 0; i < count; i++)
        {
            var id = BinaryPrimitives.ReadUInt32LittleEndian(data[(FieldsOffset + (i * 4))..]);
            var value = BinaryPrimitives.ReadUInt32LittleEndian(data[(ValuesOffset + (i * 4))..]);
            var op = BinaryPrimitives.ReadUInt32LittleEndian(data[(FieldFlagsOffset + (i * 4))..]);
            if (IsStringField(id))
            {
                if (value > buf.Length)
                {
                    return false;
                }

                fields.Add(new AuditRuleField(id, op, 0, Encoding.UTF8.GetString(buf[..(int)value])));
                buf = buf[(int)value..];
            }
            else
            {
                fields.Add(new AuditRuleField(id, op, value));
            }
        }

        rule = new AuditRule
        {
            Filter = BinaryPrimitives.ReadUInt32LittleEndian(data),
            Action = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]),
            Syscalls = all ? null : syscalls,
            Fields = fields,
        };
        return true;
    }

    /// <summary>The fields whose value lives in buf (audit_krule_to_data): paths, keys, security labels, exe.</summary>
    private static bool IsStringField(uint field) => field is
        AuditRuleConstants.FieldWatch or AuditRuleConstants.FieldDir or AuditRuleConstants.FieldFilterKey
        or 112 /* exe */ or (>= 13 and <= 17) /* subj_* */ or (>= 19 and <= 23) /* obj_* */;
}
