namespace Atalaya.Platform.Linux.Audit;

/// <summary>
/// Names for syscalls the rule tables do not list but that reach the mapper anyway: a path watch
/// (<c>-w</c>) selects every syscall touching the path, and Sigma's auditd rules name some of them
/// (<c>SYSCALL: mknod</c>). Naming only: rules are built from <see cref="AuditSyscallTable"/>.
/// Numbers from the kernel's x86_64 table (asm/unistd_64.h).
/// </summary>
internal static class AuditSyscallNames
{
    private static readonly Dictionary<int, string> X8664 = new()
    {
        [1] = "write", [77] = "ftruncate", [82] = "rename", [83] = "mkdir", [84] = "rmdir", [86] = "link", [87] = "unlink",
        [88] = "symlink", [90] = "chmod", [91] = "fchmod", [92] = "chown", [93] = "fchown", [94] = "lchown", [99] = "sysinfo",
        [103] = "syslog", [133] = "mknod", [135] = "personality", [188] = "setxattr", [189] = "lsetxattr", [190] = "fsetxattr",
        [197] = "removexattr", [198] = "lremovexattr", [199] = "fremovexattr", [258] = "mkdirat", [259] = "mknodat",
        [260] = "fchownat", [263] = "unlinkat", [264] = "renameat", [265] = "linkat", [266] = "symlinkat", [268] = "fchmodat",
        [280] = "utimensat", [316] = "renameat2", [319] = "memfd_create",
    };

    /// <summary>The name of a syscall number for an audit arch, from the rule table first.</summary>
    public static string? Of(uint arch, int number) =>
        AuditSyscallTable.ForArch(arch)?.NameOf(number)
        ?? (arch == AuditRuleConstants.ArchX8664 ? X8664.GetValueOrDefault(number) : null);
}
