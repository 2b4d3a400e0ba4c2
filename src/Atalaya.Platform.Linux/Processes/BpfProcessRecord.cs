namespace Atalaya.Platform.Linux.Processes;

/// <summary>What a record of the kernel process program (Bpf/process_events.bpf.c) reports.</summary>
internal enum BpfRecordKind : uint
{
    Fork = 1,
    Exec = 2,
    Exit = 3,
}

/// <summary>
/// One record of the kernel process program. <see cref="Pid"/> is the process (thread group) it is
/// about: the child for a fork. Threads never produce records: the program skips thread creation and
/// reports an exit only when the last thread of the process ends.
/// </summary>
/// <param name="TimestampNs">bpf_ktime_get_ns(): CLOCK_MONOTONIC, the clock of the connector and of <c>Stopwatch</c>.</param>
/// <param name="Ppid">The real parent's tgid (the forking process for a fork).</param>
/// <param name="ExitCode">Exit: the wait status (as the connector's exit_code).</param>
/// <param name="StartBoottimeNs">Fork and exec: task->start_boottime, from which stat's starttime is computed.</param>
/// <param name="Exec">Exec only: the image and credentials read at the exec tracepoint.</param>
internal readonly record struct BpfProcessRecord(
    BpfRecordKind Kind, int Pid, ulong TimestampNs, int Ppid, uint ExitCode, ulong StartBoottimeNs, KernelExec? Exec);

/// <summary>An exec as the kernel saw it at <c>sched_process_exec</c>, before the new image ran.</summary>
internal sealed record KernelExec
{
    public required uint Uid { get; init; }

    public required uint EffectiveUid { get; init; }

    public required uint Gid { get; init; }

    public required uint EffectiveGid { get; init; }

    /// <summary>The audit login uid (4294967295 when unset), as /proc/[pid]/loginuid.</summary>
    public required uint LoginUid { get; init; }

    /// <summary>The session id, as stat's field 6.</summary>
    public required int Session { get; init; }

    /// <summary>stat's tty_nr (0: no controlling terminal).</summary>
    public required int TtyNr { get; init; }

    public required int TracerPid { get; init; }

    public required ulong CapEffective { get; init; }

    /// <summary>The cgroup v2 id (the inode of its directory in cgroupfs).</summary>
    public required ulong CgroupId { get; init; }

    /// <summary>Namespace inode numbers in <see cref="ProcessReader.NamespaceTypes"/>' order; 0 where absent.</summary>
    public required uint[] Namespaces { get; init; }

    /// <summary>comm after the exec (the file name, cut to 15 bytes).</summary>
    public required string Comm { get; init; }

    /// <summary>The path execve was given (relative or through symlinks as typed); null when unreadable.</summary>
    public string? Filename { get; init; }

    /// <summary>argv as /proc/[pid]/cmdline would give it, at most the program's 4 KiB.</summary>
    public required string[] Args { get; init; }

    /// <summary>The executable's path as /proc/[pid]/exe names it (without " (deleted)"); null when the walk did not reach the root.</summary>
    public string? ExecutablePath { get; init; }

    /// <summary>The executable has no links left (unlinked, or a memfd).</summary>
    public bool ExecutableDeleted { get; init; }

    /// <summary>The working directory as /proc/[pid]/cwd's link reads (with " (deleted)" for a removed one); null when not walked.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>The executable's identity for the hash cache (device, inode, size, mtime, ctime), read from its inode.</summary>
    public Hashing.FileIdentity ExecutableIdentity { get; init; }

    public long ExecutableSize => ExecutableIdentity.Size;

    public DateTimeOffset ExecutableMtime =>
        DateTimeOffset.FromUnixTimeSeconds(ExecutableIdentity.MtimeSeconds).AddTicks(ExecutableIdentity.MtimeNanoseconds / 100);

    /// <summary>Open descriptors after the exec; null when the table was too large to count in the kernel.</summary>
    public int? FdCount { get; init; }

    /// <summary>What fd 0 is (<see cref="FdLinkClassifier"/>'s names; null: no fd 0) when <see cref="StdinKnown"/>.</summary>
    public string? Stdin { get; init; }

    /// <summary>False for a character device other than /dev/null: its name (a tty?) needs /proc's link.</summary>
    public bool StdinKnown { get; init; }

    /// <summary>Whether a statx result names the file this exec ran (the same inode on the same device; it may have changed since).</summary>
    public bool IsExecutable(in Interop.StatxBuffer stat)
    {
        var now = Hashing.FileIdentity.From(stat);
        return now.Inode == ExecutableIdentity.Inode && now.Device == ExecutableIdentity.Device;
    }

    /// <summary>The whole argv fitted in the record; otherwise <see cref="Args"/> is its beginning.</summary>
    public required bool ArgsComplete { get; init; }
}
