namespace Atalaya.Platform.Linux.Processes;

/// <summary>
/// The command line and executable link of a process read first at its exec, racing its exit (a
/// /bin/true lives about a millisecond), then handed to the full read so neither is read twice.
/// </summary>
internal readonly record struct ExecImage(
    ProcReadStatus ArgsStatus,
    string[] Args,
    bool ArgsTruncated,
    ProcReadStatus ExecutableStatus,
    string? Executable,
    bool ExecutableDeleted)
{
    /// <summary>Whether anything of the image was read (the process had not exited yet).</summary>
    public bool AnyRead => ExecutableStatus == ProcReadStatus.Ok || (ArgsStatus == ProcReadStatus.Ok && Args.Length > 0);
}
