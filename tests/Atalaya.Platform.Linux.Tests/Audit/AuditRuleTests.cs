using System.Buffers.Binary;
using Atalaya.Platform.Linux.Audit;

namespace Atalaya.Platform.Linux.Tests.Audit;

public sealed class AuditRuleTests
{
    [Fact]
    public void Syscall_rule_encodes_the_kernel_layout()
    {
        var rule = new AuditRule
        {
            Syscalls = [59, 322],
            Fields = [AuditRuleField.Number(AuditRuleConstants.FieldArch, AuditRuleConstants.ArchX8664), AuditRuleField.String(AuditRuleConstants.FieldFilterKey, "atalaya-exec")],
        };
        var bytes = AuditRuleCodec.Encode(rule);
        Assert.Equal(1040 + 12, bytes.Length);
        Assert.Equal(AuditRuleConstants.FilterExit, BinaryPrimitives.ReadUInt32LittleEndian(bytes));
        Assert.Equal(AuditRuleConstants.ActionAlways, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4)));
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)));
        Assert.Equal(1u << 27, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(12 + 4)));   // 59 = word 1, bit 27
        Assert.Equal(1u << 2, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(12 + 40)));   // 322 = word 10, bit 2
        Assert.Equal(AuditRuleConstants.FieldArch, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(268)));
        Assert.Equal(AuditRuleConstants.FieldFilterKey, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(272)));
        Assert.Equal(AuditRuleConstants.ArchX8664, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(524)));
        Assert.Equal(12u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(528)));
        Assert.Equal(AuditRuleConstants.OpEqual, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(780)));
        Assert.Equal(12u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(1036)));
        Assert.Equal("atalaya-exec"u8.ToArray(), bytes[1040..]);

        Assert.True(AuditRuleCodec.TryDecode(bytes, out var back));
        Assert.Equal(rule, back);
        Assert.Equal("atalaya-exec", back.Key);
    }

    [Fact]
    public void Watch_rule_round_trips_with_all_syscalls()
    {
        var rule = AuditRuleSet.Watch("/etc/sudoers.d", WatchTarget.Directory, AuditRuleConstants.PermWrite | AuditRuleConstants.PermAttr, AuditKeys.Watch);
        var bytes = AuditRuleCodec.Encode(rule);
        Assert.Equal(uint.MaxValue, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(12)));
        Assert.True(AuditRuleCodec.TryDecode(bytes, out var back));
        Assert.Null(back.Syscalls);
        Assert.Equal(rule, back);
        Assert.Equal("-a always,exit -F dir=/etc/sudoers.d -F perm=10 -F key=atalaya-watch", back.ToString());
    }

    [Fact]
    public void Watch_rule_as_the_kernel_lists_it_decodes_to_all_syscalls()
    {
        // AUDIT_LIST_RULES clears the class bits at the top of the last mask word.
        var bytes = AuditRuleCodec.Encode(AuditRuleSet.Watch("/etc/passwd", WatchTarget.File, 2, AuditKeys.Watch));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(12 + (63 * 4)), 0x0FFFFFFF);
        Assert.True(AuditRuleCodec.TryDecode(bytes, out var listed));
        Assert.Null(listed.Syscalls);
        Assert.Equal(AuditRuleSet.Watch("/etc/passwd", WatchTarget.File, 2, AuditKeys.Watch), listed);
    }

    [Fact]
    public void Truncated_rule_data_is_refused()
    {
        var bytes = AuditRuleCodec.Encode(AuditRuleSet.Watch("/etc/passwd", WatchTarget.File, 2, AuditKeys.Watch));
        Assert.False(AuditRuleCodec.TryDecode(bytes.AsSpan(0, bytes.Length - 3), out _));
        Assert.False(AuditRuleCodec.TryDecode(bytes.AsSpan(0, 100), out _));
    }

    [Fact]
    public void Default_set_covers_both_x86_tables_and_only_existing_paths()
    {
        var existing = new Dictionary<string, WatchTarget>(StringComparer.Ordinal)
        {
            ["/etc/passwd"] = WatchTarget.File,
            ["/etc/shadow"] = WatchTarget.File,
            ["/etc/cron.d"] = WatchTarget.Directory,
            ["/home/ana/.ssh"] = WatchTarget.Directory,
        };
        var rules = AuditRuleSet.Build(new AuditRuleOptions(), [AuditSyscallTable.X8664, AuditSyscallTable.I386],
            p => existing.GetValueOrDefault(p, WatchTarget.Missing), ["/home/ana", "/home/bob"]);
        var text = rules.Select(r => r.ToString()).ToList();
        Assert.Contains("-a always,exit -S 59,322 -F arch=0xc000003e -F key=atalaya-exec", text);
        Assert.Contains("-a always,exit -S 11,358 -F arch=0x40000003 -F key=atalaya-exec", text);
        Assert.Contains("-a always,exit -S 42,43,49,288 -F arch=0xc000003e -F saddr_fam=2 -F key=atalaya-net", text);
        Assert.Contains("-a always,exit -S 42,43,49,288 -F arch=0xc000003e -F saddr_fam=10 -F key=atalaya-net", text);
        Assert.Contains("-a always,exit -S 102,361,362,364 -F arch=0x40000003 -F saddr_fam=2 -F key=atalaya-net", text);
        Assert.Contains("-a always,exit -S 101 -F arch=0xc000003e -F key=atalaya-ptrace", text);
        Assert.Contains("-a always,exit -S 175,313 -F arch=0xc000003e -F key=atalaya-module", text);
        Assert.Contains("-a always,exit -S 105,106,113,114,117,119,122,123 -F arch=0xc000003e -F key=atalaya-identity", text);
        Assert.Contains("-a always,exit -F path=/etc/passwd -F perm=10 -F key=atalaya-watch", text);
        Assert.Contains("-a always,exit -F dir=/etc/cron.d -F perm=10 -F key=atalaya-watch", text);
        Assert.Contains("-a always,exit -F dir=/home/ana/.ssh -F perm=10 -F key=atalaya-watch", text);
        Assert.Contains("-a always,exit -F path=/etc/shadow -F perm=4 -F exit=-13 -F key=atalaya-denied", text);
        Assert.DoesNotContain(text, t => t.Contains("/etc/sudoers", StringComparison.Ordinal) || t.Contains("/home/bob", StringComparison.Ordinal));
        Assert.Equal(2 * 6, rules.Count(r => r.Syscalls is not null));
        Assert.All(rules, r => Assert.True(AuditKeys.IsOurs(r.Key)));
    }

    [Fact]
    public void Groups_switch_off()
    {
        var rules = AuditRuleSet.Build(
            new AuditRuleOptions { Network = false, Ptrace = false, Modules = false, Identity = false, Watches = false, DeniedReads = false, Compat32 = false },
            [AuditSyscallTable.X8664, AuditSyscallTable.I386], _ => WatchTarget.File);
        Assert.Equal("-a always,exit -S 59,322 -F arch=0xc000003e -F key=atalaya-exec", Assert.Single(rules).ToString());
    }
}
