using System.Runtime.InteropServices;

namespace Atalaya.Platform.Linux.Audit;

/// <summary>
/// Syscall numbers are per architecture: a rule names its arch (<c>-F arch=</c>) and the numbers of
/// that table. x86_64 carries the i386 table too (compat syscalls from 32-bit binaries, a known way
/// around 64-bit-only rules), so both are covered there.
/// </summary>
public sealed record AuditSyscallTable(string Name, uint Arch, IReadOnlyDictionary<string, int> Numbers)
{
    private readonly Dictionary<int, string> _names = Numbers.ToDictionary(kv => kv.Value, kv => kv.Key);

    /// <summary>The number of a syscall, or null when this table has none by that name.</summary>
    public int? this[string name] => Numbers.TryGetValue(name, out var nr) ? nr : null;

    public string? NameOf(int number) => _names.GetValueOrDefault(number);

    public static readonly AuditSyscallTable X8664 = new("x86_64", AuditRuleConstants.ArchX8664, new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["open"] = 2, ["connect"] = 42, ["accept"] = 43, ["bind"] = 49, ["execve"] = 59, ["truncate"] = 76, ["creat"] = 85,
        ["ptrace"] = 101, ["setuid"] = 105, ["setgid"] = 106, ["setreuid"] = 113, ["setregid"] = 114, ["setresuid"] = 117,
        ["setresgid"] = 119, ["setfsuid"] = 122, ["setfsgid"] = 123, ["init_module"] = 175, ["openat"] = 257,
        ["accept4"] = 288, ["finit_module"] = 313, ["execveat"] = 322, ["openat2"] = 437,
    });

    public static readonly AuditSyscallTable I386 = new("i386", AuditRuleConstants.ArchI386, new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["open"] = 5, ["execve"] = 11, ["ptrace"] = 26, ["setuid"] = 23, ["setgid"] = 46, ["socketcall"] = 102,
        ["init_module"] = 128, ["setreuid"] = 70, ["setregid"] = 71, ["setresuid"] = 164, ["setresgid"] = 170,
        ["setfsuid"] = 138, ["setfsgid"] = 139, ["openat"] = 295, ["finit_module"] = 350, ["execveat"] = 358,
        ["bind"] = 361, ["connect"] = 362, ["accept4"] = 364, ["openat2"] = 437, ["setreuid32"] = 203, ["setregid32"] = 204,
        ["setresuid32"] = 208, ["setresgid32"] = 210, ["setuid32"] = 213, ["setgid32"] = 214, ["setfsuid32"] = 215, ["setfsgid32"] = 216,
    });

    public static readonly AuditSyscallTable Aarch64 = new("aarch64", AuditRuleConstants.ArchAarch64, new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["bind"] = 200, ["connect"] = 203, ["accept"] = 202, ["accept4"] = 242, ["execve"] = 221, ["execveat"] = 281,
        ["ptrace"] = 117, ["setuid"] = 146, ["setgid"] = 144, ["setreuid"] = 145, ["setregid"] = 143, ["setresuid"] = 147,
        ["setresgid"] = 149, ["setfsuid"] = 151, ["setfsgid"] = 152, ["init_module"] = 105, ["finit_module"] = 273,
        ["openat"] = 56, ["openat2"] = 437, ["truncate"] = 45,
    });

    /// <summary>The tables to install rules for on this machine, native first.</summary>
    public static IReadOnlyList<AuditSyscallTable> ForThisMachine() => RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => [X8664, I386],
        Architecture.Arm64 => [Aarch64],
        _ => [],
    };

    /// <summary>The table a SYSCALL record's <c>arch=</c> names, if known.</summary>
    public static AuditSyscallTable? ForArch(uint arch) => arch switch
    {
        AuditRuleConstants.ArchX8664 => X8664,
        AuditRuleConstants.ArchI386 => I386,
        AuditRuleConstants.ArchAarch64 => Aarch64,
        _ => null,
    };
}
