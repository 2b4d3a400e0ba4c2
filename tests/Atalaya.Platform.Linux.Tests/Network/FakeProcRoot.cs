using Atalaya.TestKit;

namespace Atalaya.Platform.Linux.Tests.Network;

/// <summary>
/// A directory shaped like /proc (net tables, pid directories with fd links, comm and exe) so the
/// owner map and collector can be driven through exact situations the live kernel cannot be made to
/// produce on demand: a process gone mid-scan, a deleted executable, a socket no process holds.
/// </summary>
internal sealed class FakeProcRoot : IDisposable
{
    public const string TcpHeader = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";
    public const string UdpHeader = "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops";

    private readonly TempDirectory _directory = new("atalaya-fakeproc-");

    public string Path => _directory.Path;

    public void WriteTable(string name, params string[] lines) =>
        _directory.WriteFile(System.IO.Path.Join("net", name), string.Join('\n', lines) + "\n");

    public void AddProcess(int pid, string? comm = null, string? exeTarget = null, params string[] fdTargets)
    {
        var directory = Directory.CreateDirectory(_directory.Combine(pid.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var fd = directory.CreateSubdirectory("fd");
        for (var i = 0; i < fdTargets.Length; i++)
        {
            File.CreateSymbolicLink(System.IO.Path.Join(fd.FullName, (i + 3).ToString(System.Globalization.CultureInfo.InvariantCulture)), fdTargets[i]);
        }

        if (comm is not null)
        {
            File.WriteAllText(System.IO.Path.Join(directory.FullName, "comm"), comm + "\n");
        }

        if (exeTarget is not null)
        {
            File.CreateSymbolicLink(System.IO.Path.Join(directory.FullName, "exe"), exeTarget);
        }
    }

    /// <summary>A pid directory without its fd directory: what a process that exited mid-scan looks like.</summary>
    public void AddVanishedProcess(int pid) =>
        Directory.CreateDirectory(_directory.Combine(pid.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>
    /// A process whose fd entries cannot be read as links, as readlink behaves under EACCES (not root,
    /// Yama, another user namespace): the entries are listed, their targets are not given.
    /// </summary>
    public void AddUnreadableProcess(int pid, int fdCount)
    {
        var fd = Directory.CreateDirectory(_directory.Combine(pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "fd"));
        for (var i = 0; i < fdCount; i++)
        {
            File.WriteAllText(System.IO.Path.Join(fd.FullName, i.ToString(System.Globalization.CultureInfo.InvariantCulture)), string.Empty);
        }
    }

    /// <summary>
    /// A new process under a pid that an exited one used (pid reuse): its directory is created
    /// before the old one is removed, so it is certain to be a different inode, as procfs makes it.
    /// <paramref name="fds"/> maps descriptor numbers to link targets.
    /// </summary>
    public void ReplaceProcess(int pid, string comm, string exeTarget, IReadOnlyDictionary<int, string> fds)
    {
        var name = pid.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var staging = Directory.CreateDirectory(_directory.Combine("staging-" + name));
        var fd = staging.CreateSubdirectory("fd");
        foreach (var (number, link) in fds)
        {
            File.CreateSymbolicLink(System.IO.Path.Join(fd.FullName, number.ToString(System.Globalization.CultureInfo.InvariantCulture)), link);
        }

        File.WriteAllText(System.IO.Path.Join(staging.FullName, "comm"), comm + "\n");
        File.CreateSymbolicLink(System.IO.Path.Join(staging.FullName, "exe"), exeTarget);
        var target = _directory.Combine(name);
        if (Directory.Exists(target))
        {
            Directory.Delete(target, recursive: true);
        }

        Directory.Move(staging.FullName, target);
    }

    /// <summary>Points a process's exe link elsewhere, as execve() does while the pid and its open fds stay.</summary>
    public void Exec(int pid, string comm, string exeTarget)
    {
        var directory = _directory.Combine(pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        File.Delete(System.IO.Path.Join(directory, "exe"));
        File.CreateSymbolicLink(System.IO.Path.Join(directory, "exe"), exeTarget);
        File.WriteAllText(System.IO.Path.Join(directory, "comm"), comm + "\n");
    }

    /// <summary>Closes one fd of a process (the fd links are numbered from 3 in the order given to <see cref="AddProcess"/>).</summary>
    public void CloseFd(int pid, int fd) =>
        File.Delete(_directory.Combine(pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "fd", fd.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>Adds an fd link to an existing process.</summary>
    public void OpenFd(int pid, int fd, string target) =>
        File.CreateSymbolicLink(_directory.Combine(pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "fd", fd.ToString(System.Globalization.CultureInfo.InvariantCulture)), target);

    public void RemoveProcess(int pid) =>
        Directory.Delete(_directory.Combine(pid.ToString(System.Globalization.CultureInfo.InvariantCulture)), recursive: true);

    public void Dispose() => _directory.Dispose();
}
