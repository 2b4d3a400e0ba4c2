namespace Atalaya.Platform.Linux.Processes;

/// <summary>The fields of <c>/proc/[pid]/status</c> the agent uses, named as in proc(5).</summary>
public sealed record ProcStatus
{
    /// <summary>comm, with the kernel's escapes (<c>\n</c>, <c>\\</c>...) undone.</summary>
    public required string Name { get; init; }

    /// <summary>Absent before Linux 4.7.</summary>
    public uint? Umask { get; init; }

    public char State { get; init; }

    public int Tgid { get; init; }

    public required int Pid { get; init; }

    public required int PPid { get; init; }

    /// <summary>Non-zero when the process is being ptraced: a debugger, strace, or an injector.</summary>
    public int TracerPid { get; init; }

    public required ProcIds Uid { get; init; }

    public required ProcIds Gid { get; init; }

    public long Threads { get; init; }

    /// <summary>Effective capabilities bitmask (hex in the file).</summary>
    public ulong CapEff { get; init; }

    /// <summary>The pid in each nested pid namespace, outermost first; empty before Linux 4.1.</summary>
    public IReadOnlyList<int> NSpid { get; init; } = [];

    /// <summary><c>Kthread: 1</c> (Linux 6.x): null when the kernel does not print the line.</summary>
    public bool? Kthread { get; init; }
}

/// <summary>The four ids of a <c>Uid:</c> or <c>Gid:</c> line, in the kernel's order.</summary>
public readonly record struct ProcIds(uint Real, uint Effective, uint Saved, uint Filesystem);
