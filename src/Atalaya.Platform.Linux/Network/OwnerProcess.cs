namespace Atalaya.Platform.Linux.Network;

/// <summary>The process holding a socket, as far as it could be read (name and path may be missing).</summary>
internal sealed record OwnerProcess(int Pid, string? Name, string? Executable)
{
    private const string DeletedSuffix = " (deleted)";

    /// <summary>
    /// Reads <c>comm</c> and the <c>exe</c> link of <paramref name="pid"/>. A process that exited or
    /// that we may not inspect (not root) gives nulls, never an exception: the socket is still reported.
    /// </summary>
    public static OwnerProcess Read(string procRoot, int pid)
    {
        var directory = Path.Join(procRoot, pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        string? name = null;
        string? executable;
        try
        {
            name = File.ReadAllText(Path.Join(directory, "comm")).TrimEnd('\n');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        executable = ReadExecutable(procRoot, pid);
        return new OwnerProcess(pid, string.IsNullOrEmpty(name) ? null : name, executable);
    }

    /// <summary>The target of <c>exe</c> without the kernel's " (deleted)" suffix; null when unreadable or empty.</summary>
    public static string? ReadExecutable(string procRoot, int pid)
    {
        var executable = Interop.ReadLink(Path.Join(procRoot, pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "exe"), out _);

        // The kernel appends " (deleted)" to the link text when the binary was unlinked; the path is
        // what ran, the flag belongs to the process collector's deleted-executable signal.
        if (executable is not null && executable.EndsWith(DeletedSuffix, StringComparison.Ordinal))
        {
            executable = executable[..^DeletedSuffix.Length];
        }

        return string.IsNullOrEmpty(executable) ? null : executable;
    }
}
