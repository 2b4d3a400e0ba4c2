namespace Atalaya.Platform.Linux.Processes;

/// <summary>
/// What does not change for one process image (pid + starttime, until the next exec): read once with a
/// full read, then reused every cycle so a steady-state snapshot costs one stat read and one readlink.
/// </summary>
internal sealed record ProcessFacts
{
    public required int Pid { get; init; }

    public required ulong StartTime { get; init; }

    public required string EntityId { get; init; }

    /// <summary>comm from stat at the full read: a change means the process exec'd.</summary>
    public required string Comm { get; init; }

    /// <summary>The raw readlink result (with any " (deleted)"), compared each cycle to detect exec.</summary>
    public string? ExeLink { get; init; }

    public string? Executable { get; init; }

    public bool ExecutableDeleted { get; init; }

    public required IReadOnlyList<string> Args { get; init; }

    public string? CommandLine { get; init; }

    public string? WorkingDirectory { get; init; }

    public uint? Uid { get; init; }

    public string? UserName { get; init; }

    public string? Sha256 { get; init; }

    public required DateTimeOffset Start { get; init; }

    public required bool IsKernelThread { get; init; }

    public required bool Partial { get; init; }
}

/// <summary>One process in one snapshot: its facts plus the parent pid, which changes on reparenting.</summary>
internal readonly record struct ProcessEntry(ProcessFacts Facts, int Ppid);
