namespace Atalaya.Platform.Linux.Processes;

/// <summary>
/// The fields of <c>/proc/[pid]/stat</c> the agent uses, named as in proc(5).
/// Times are in clock ticks (USER_HZ); <see cref="StartTime"/> counts from boot.
/// </summary>
public readonly record struct ProcStat(
    int Pid,
    string Comm,
    char State,
    int Ppid,
    int Pgrp,
    int Session,
    int TtyNr,
    uint Flags,
    ulong Utime,
    ulong Stime,
    long NumThreads,
    ulong StartTime,
    ulong Vsize,
    long Rss)
{
    /// <summary>PF_KTHREAD from include/linux/sched.h.</summary>
    private const uint PfKthread = 0x00200000;

    /// <summary>A kernel thread: no user memory, no executable, empty cmdline.</summary>
    public bool IsKernelThread => (Flags & PfKthread) != 0;
}
