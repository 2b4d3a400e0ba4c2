namespace Atalaya.Core.Schema;

/// <summary>
/// <c>atalaya.audit.*</c>: what the kernel audit subsystem said about the syscall behind an event,
/// as audit prints it. Only the audit sensor fills it; Sigma's auditd rules read their SYSCALL and
/// PATH records from here (the EXECVE record comes from <c>process.args</c> of any exec event).
/// </summary>
public sealed record AtalayaAuditFields
{
    /// <summary>Syscall name for the record's architecture (execve, connect, openat, ...).</summary>
    public string? Syscall { get; init; }

    /// <summary>The audit rule key (<c>-k</c>) that selected the syscall.</summary>
    public string? Key { get; init; }

    /// <summary>The syscall succeeded (audit's <c>success=yes</c>).</summary>
    public bool? Success { get; init; }

    /// <summary>Return value (negative errno on failure).</summary>
    public long? Exit { get; init; }

    /// <summary>The first four syscall arguments in hex without prefix, as audit prints a0..a3.</summary>
    public IReadOnlyList<string>? Arguments { get; init; }

    /// <summary>Login uid (who logged in, unchanged by su/sudo); absent when unset (4294967295).</summary>
    public string? Auid { get; init; }

    /// <summary>Effective uid at the syscall.</summary>
    public string? Euid { get; init; }

    /// <summary>The PATH records of the syscall (for a file event, the one path it is about).</summary>
    public IReadOnlyList<AuditPathFields>? Paths { get; init; }
}

/// <summary>One PATH record: the name as the syscall gave it and audit's role for it.</summary>
public sealed record AuditPathFields
{
    public string? Name { get; init; }

    /// <summary>NORMAL, CREATE, DELETE, PARENT, UNKNOWN.</summary>
    public string? Nametype { get; init; }
}
