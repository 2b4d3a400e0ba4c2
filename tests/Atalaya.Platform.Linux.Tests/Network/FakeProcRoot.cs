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

    public void RemoveProcess(int pid) =>
        Directory.Delete(_directory.Combine(pid.ToString(System.Globalization.CultureInfo.InvariantCulture)), recursive: true);

    public void Dispose() => _directory.Dispose();
}
