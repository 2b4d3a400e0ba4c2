using System.Globalization;

namespace Atalaya.Platform.Linux.Processes;

/// <summary>
/// Where one process's /proc files are read from: either its /proc/[pid] directory held open (O_PATH)
/// or, for a single read, the full path. Through the open handle each file is one openat without a
/// walk of the proc root and the pid, and every file belongs to the same process: the handle pins the
/// process's struct pid, so if it exits and the pid is reused mid-read, lookups fail (gone) instead of
/// silently reading the newcomer.
/// </summary>
internal readonly struct ProcPidDirectory : IDisposable
{
    private readonly string? _prefix;

    private ProcPidDirectory(int pid, int fd, string? prefix)
    {
        Pid = pid;
        Fd = fd;
        _prefix = prefix;
        IsOpen = prefix is null;
    }

    public int Pid { get; }

    /// <summary>The open directory, or AT_FDCWD when files are named by full path.</summary>
    public int Fd { get; }

    /// <summary>Whether a directory handle is held (false: reads by path).</summary>
    public bool IsOpen { get; }

    /// <summary>Opens /proc/[pid] (O_PATH | O_DIRECTORY); false with the errno when the process is gone or hidden.</summary>
    public static bool TryOpen(string procRoot, int pid, out ProcPidDirectory directory, out int errno)
    {
        var fd = Interop.OpenDirectoryPathAt(Interop.AT_FDCWD, string.Concat(procRoot, "/", pid.ToString(CultureInfo.InvariantCulture)), out errno);
        directory = fd >= 0 ? new ProcPidDirectory(pid, fd, null) : default;
        return fd >= 0;
    }

    /// <summary>Files named by full path (one read; no handle to open and close).</summary>
    public static ProcPidDirectory ByPath(string procRoot, int pid) =>
        new(pid, Interop.AT_FDCWD, string.Concat(procRoot, "/", pid.ToString(CultureInfo.InvariantCulture), "/"));

    /// <summary>The name to pass with <see cref="Fd"/> for a file of this process ("stat", "ns/net").</summary>
    public string PathOf(string name) => _prefix is null ? name : _prefix + name;

    public void Dispose()
    {
        if (IsOpen)
        {
            _ = Interop.Close(Fd);
        }
    }
}
