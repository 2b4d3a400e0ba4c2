namespace Atalaya.Platform.Linux.Audit;

/// <summary>Netlink message types of the audit protocol (linux/audit.h), control and record.</summary>
public static class AuditMessageType
{
    public const ushort NetlinkError = 2;
    public const ushort NetlinkDone = 3;

    public const ushort Get = 1000;
    public const ushort Set = 1001;
    public const ushort AddRule = 1011;
    public const ushort DeleteRule = 1012;
    public const ushort ListRules = 1013;

    public const ushort Syscall = 1300;
    public const ushort Path = 1302;
    public const ushort ConfigChange = 1305;
    public const ushort Sockaddr = 1306;
    public const ushort Cwd = 1307;
    public const ushort Execve = 1309;
    public const ushort Eoe = 1320;
    public const ushort Proctitle = 1327;

    /// <summary>The kernel's probe that the registered daemon is still alive; needs no answer.</summary>
    public const ushort Replace = 1329;
    public const ushort KernelModule = 1330;

    /// <summary>The record name auditd prints for a type (<c>type=SYSCALL</c>), or the number.</summary>
    public static string Name(int type) => type switch
    {
        Syscall => "SYSCALL",
        Path => "PATH",
        ConfigChange => "CONFIG_CHANGE",
        Sockaddr => "SOCKADDR",
        Cwd => "CWD",
        Execve => "EXECVE",
        Eoe => "EOE",
        Proctitle => "PROCTITLE",
        KernelModule => "KERN_MODULE",
        1321 => "BPRM_FCAPS",
        1323 => "MMAP",
        1334 => "BPF",
        _ => "UNKNOWN[" + type.ToString(System.Globalization.CultureInfo.InvariantCulture) + "]",
    };
}

/// <summary><c>struct audit_status</c> mask bits (which fields an AUDIT_SET changes).</summary>
[Flags]
public enum AuditStatusMask : uint
{
    None = 0,
    Enabled = 0x1,
    Failure = 0x2,
    Pid = 0x4,
    RateLimit = 0x8,
    BacklogLimit = 0x10,
    BacklogWaitTime = 0x20,
    Lost = 0x40,
}

/// <summary>Rule lists, actions, field ids and operators of <c>struct audit_rule_data</c>.</summary>
public static class AuditRuleConstants
{
    public const uint FilterExit = 0x04;
    public const uint ActionAlways = 2;

    public const uint FieldArch = 11;
    public const uint FieldExit = 103;
    public const uint FieldSuccess = 104;
    public const uint FieldWatch = 105;
    public const uint FieldPerm = 106;
    public const uint FieldDir = 107;
    public const uint FieldSaddrFam = 113;
    public const uint FieldFilterKey = 210;

    public const uint OpEqual = 0x40000000;
    public const uint OpNotEqual = 0x30000000;

    public const uint PermExec = 1;
    public const uint PermWrite = 2;
    public const uint PermRead = 4;
    public const uint PermAttr = 8;

    /// <summary>AUDIT_ARCH_X86_64: EM_X86_64 | 64-bit | little-endian.</summary>
    public const uint ArchX8664 = 0xC000003E;

    /// <summary>AUDIT_ARCH_I386: the 32-bit compat syscall table on an x86_64 kernel.</summary>
    public const uint ArchI386 = 0x40000003;

    /// <summary>AUDIT_ARCH_AARCH64.</summary>
    public const uint ArchAarch64 = 0xC00000B7;

    public const int BitmaskWords = 64;
    public const int MaxFields = 64;

    /// <summary>Fixed part of struct audit_rule_data before buf[]: flags, action, field_count, mask, fields, values, fieldflags, buflen.</summary>
    public const int RuleHeaderSize = 4 * 3 + (BitmaskWords * 4) + (MaxFields * 4 * 3) + 4;
}
