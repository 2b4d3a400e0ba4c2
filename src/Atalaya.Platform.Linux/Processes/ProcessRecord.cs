namespace Atalaya.Platform.Linux.Processes;

/// <summary>Everything <see cref="ProcessReader"/> could read about one process at one moment.</summary>
public sealed record ProcessRecord
{
    public required int Pid { get; init; }

    public required ProcStat Stat { get; init; }

    /// <summary>Null when status could not be read (the process exited between the two reads).</summary>
    public ProcStatus? Status { get; init; }

    /// <summary>argv; empty for kernel threads and zombies.</summary>
    public required IReadOnlyList<string> Args { get; init; }

    /// <summary>Target of /proc/[pid]/exe without the kernel's " (deleted)" suffix; null for kernel threads or when denied.</summary>
    public string? Executable { get; init; }

    public string? WorkingDirectory { get; init; }

    /// <summary>The executable was unlinked while the process runs.</summary>
    public bool ExecutableDeleted { get; init; }

    /// <summary>Something that should have been readable was not (gone mid-read, EACCES, malformed).</summary>
    public bool Partial { get; init; }
}
