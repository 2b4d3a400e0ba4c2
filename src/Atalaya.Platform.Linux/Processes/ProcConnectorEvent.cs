namespace Atalaya.Platform.Linux.Processes;

/// <summary><c>enum what</c> of struct proc_event (include/uapi/linux/cn_proc.h).</summary>
public enum ProcEventKind : uint
{
    None = 0x00000000,
    Fork = 0x00000001,
    Exec = 0x00000002,
    Uid = 0x00000004,
    Gid = 0x00000040,
    Sid = 0x00000080,
    Ptrace = 0x00000100,
    Comm = 0x00000200,
    NonzeroExit = 0x20000000,
    Coredump = 0x40000000,
    Exit = 0x80000000,
}

/// <summary>
/// One struct proc_event, flattened: <see cref="Pid"/>/<see cref="Tgid"/> name the process the event is
/// about (the child for a fork); the other fields are set only by the kinds that carry them.
/// </summary>
public readonly record struct ProcConnectorEvent
{
    public ProcEventKind Kind { get; init; }

    public uint Cpu { get; init; }

    /// <summary>ktime_get_ns() at the event: CLOCK_MONOTONIC nanoseconds, the clock of <c>Stopwatch.GetTimestamp()</c> on Linux.</summary>
    public ulong TimestampNs { get; init; }

    public int Pid { get; init; }

    public int Tgid { get; init; }

    /// <summary>Fork: the forking thread; exit and coredump: the parent.</summary>
    public int ParentPid { get; init; }

    public int ParentTgid { get; init; }

    /// <summary>Ptrace: the tracer (0 on detach).</summary>
    public int TracerPid { get; init; }

    public int TracerTgid { get; init; }

    /// <summary>Ptrace: PTRACE_ATTACH (0x10) or PTRACE_DETACH (0x11) as the kernel reports it in <c>what</c>... see <see cref="IsAttach"/>.</summary>
    public bool IsAttach => Kind == ProcEventKind.Ptrace && TracerPid != 0;

    /// <summary>Uid/Gid: real id; Exit: exit_code (wait status).</summary>
    public uint RealId { get; init; }

    /// <summary>Uid/Gid: effective id; Exit: exit_signal.</summary>
    public uint EffectiveId { get; init; }

    public uint ExitCode { get; init; }

    public uint ExitSignal { get; init; }

    /// <summary>Comm: the new name (NUL-terminated 16 bytes in the event, invalid UTF-8 replaced).</summary>
    public string? Comm { get; init; }

    /// <summary>
    /// A thread, not a process: fork with child pid ≠ tgid is pthread_create/clone(CLONE_THREAD),
    /// exit with pid ≠ tgid is one thread ending.
    /// </summary>
    public bool IsThread => Pid != Tgid;
}
