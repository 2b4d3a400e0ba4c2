namespace Atalaya.Platform.Linux.Processes;

/// <summary>Outcome of reading one /proc file; none of these is exceptional for a live process table.</summary>
internal enum ProcReadStatus
{
    Ok,

    /// <summary>ENOENT/ESRCH: the process exited (or the pid never existed).</summary>
    Gone,

    /// <summary>EACCES/EPERM: ptrace access checks refused (another user's exe/cwd when not root).</summary>
    Denied,

    /// <summary>Read, but the content did not parse.</summary>
    Malformed,
}
