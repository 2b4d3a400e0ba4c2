namespace Atalaya.Platform.Linux.Processes;

/// <summary>
/// What does not change for one process image (pid + starttime, until the next exec): read once with a
/// full read, then reused every cycle so a steady-state snapshot costs one stat read and one readlink.
/// A few fields (credentials, name, tracer) can change without exec; the connector sensor updates them
/// from its events with <c>with</c>, polling only at the next full read.
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

    /// <summary>Real uid.</summary>
    public uint? Uid { get; init; }

    public string? UserName { get; init; }

    public uint? EffectiveUid { get; init; }

    public string? EffectiveUserName { get; init; }

    public uint? Gid { get; init; }

    public string? GroupName { get; init; }

    public uint? EffectiveGid { get; init; }

    public string? EffectiveGroupName { get; init; }

    /// <summary>/proc/[pid]/loginuid (audit login uid; 4294967295 = unset); null when unreadable.</summary>
    public uint? LoginUid { get; init; }

    public int? Session { get; init; }

    /// <summary>tty_nr of stat; 0 means no controlling terminal.</summary>
    public int TtyNr { get; init; }

    public string? Sha256 { get; init; }

    public long? ExecutableSize { get; init; }

    public DateTimeOffset? ExecutableMtime { get; init; }

    public long? ThreadCount { get; init; }

    public int? FdCount { get; init; }

    public ulong? CapEff { get; init; }

    public string? Cgroup { get; init; }

    public string? ContainerId { get; init; }

    public IReadOnlyList<string>? Namespaces { get; init; }

    public int TracerPid { get; init; }

    /// <summary>Watched environment variables (KEY=VALUE); null when not read (kernel thread, not a new process, unreadable).</summary>
    public IReadOnlyList<string>? EnvVars { get; init; }

    /// <summary>pipe, socket, tty, null or file (readlink of fd 0 at the full read).</summary>
    public string? StdinType { get; init; }

    /// <summary>Null until /proc/[pid]/maps was sampled (new processes only).</summary>
    public ProcMapsSummary? Maps { get; init; }

    public required DateTimeOffset Start { get; init; }

    public required bool IsKernelThread { get; init; }

    public required bool Partial { get; init; }

    /// <summary>
    /// A fork recorded from its event alone: <see cref="StartTime"/> is the event's clock, not stat's, and
    /// <see cref="EntityId"/> is not set yet. The connector reads stat only when such a fork is published
    /// or named as a parent; most forks exec within a millisecond, and the exec reads stat anyway.
    /// </summary>
    public bool StartTimeEstimated { get; init; }

    /// <summary>The executable is a memfd or lives in /dev/shm: nothing on a persistent disk.</summary>
    public bool Fileless => Executable is { } exe && (exe.StartsWith("/memfd:", StringComparison.Ordinal) || exe.StartsWith("/dev/shm/", StringComparison.Ordinal));
}

/// <summary>One process in one snapshot: its facts plus the parent pid, which changes on reparenting.</summary>
/// <param name="Fork">The connector's sequence number of the fork that made this entry (0 otherwise): its deferred check finds the same fork by it.</param>
internal readonly record struct ProcessEntry(ProcessFacts Facts, int Ppid, long Fork = 0);
