using System.Globalization;
using System.IO.Enumeration;
using Atalaya.Core.Pipeline;

namespace Atalaya.Platform.Linux.Network;

/// <summary>
/// Socket inode → owning pid, learned from the <c>/proc/[pid]/fd/*</c> links that read
/// <c>socket:[inode]</c>. Reading every fd of every process is the expensive part of a cycle, so
/// the map is incremental:
/// <list type="bullet">
/// <item>known inodes are answered from the cache; when every live inode is known, nothing is scanned;</item>
/// <item>when some are unknown, pids are scanned in the order most likely to hold them — processes
/// never scanned before, then processes that already own sockets (servers accepting), then the
/// rest — and the scan stops as soon as every unknown inode is found;</item>
/// <item>an inode that a scan of every process could not attribute (a kernel socket such as an NFS
/// or WireGuard one, a socket in flight in an SCM_RIGHTS message) is remembered as ownerless and
/// retried only every <see cref="OwnerlessRetryCycles"/> refreshes, so it does not force a full
/// scan each cycle.</item>
/// </list>
/// Trade-off: an entry is trusted while its pid exists. If that pid closes its fd after handing the
/// socket to another process (fd passing, a fork whose parent keeps running but closes it), the old
/// owner is reported until the socket goes away. Verifying each entry's fd link every cycle would
/// cost one readlink per socket per cycle; the pid check costs one stat per distinct owner.
/// Not thread-safe: the collector serializes calls.
/// </summary>
internal sealed class SocketInodeOwnerMap
{
    /// <summary>How many refreshes an ownerless inode waits before a scan looks for it again.</summary>
    public const int OwnerlessRetryCycles = 30;

    private const string SocketLinkPrefix = "socket:[";

    private static readonly EnumerationOptions StrictEnumeration = new()
    {
        RecurseSubdirectories = false,
        // Off so that EACCES reaches us and is counted instead of silently giving an empty fd list.
        IgnoreInaccessible = false,
        AttributesToSkip = 0,
        ReturnSpecialDirectories = false,
    };

    private readonly string _procRoot;
    private readonly CollectorCounters _counters;
    private readonly Dictionary<long, int> _ownerByInode = [];
    private readonly Dictionary<int, int> _socketCountByPid = [];
    private readonly HashSet<int> _scannedPids = [];
    private readonly Dictionary<long, long> _ownerlessSince = [];
    private readonly Dictionary<long, byte> _standardStreamsByInode = [];
    private long _refreshes;

    public SocketInodeOwnerMap(string procRoot, CollectorCounters counters)
    {
        _procRoot = procRoot;
        _counters = counters;
    }

    /// <summary>How many per-process fd tables were read in total (tests and benchmarks watch this).</summary>
    public long ProcessesScanned { get; private set; }

    /// <summary>How many refreshes had to scan at all.</summary>
    public long Rescans { get; private set; }

    public bool TryGetOwner(long inode, out int pid) => _ownerByInode.TryGetValue(inode, out pid);

    /// <summary>
    /// Which of the owner's fds 0, 1 and 2 were this socket when the owner's fd table was read
    /// (bit 0 stdin, bit 1 stdout, bit 2 stderr). Read once, when the inode was first attributed:
    /// a process that dup2()s the socket onto its stdio later is seen only if that happened before.
    /// </summary>
    public byte StandardStreams(long inode) => _standardStreamsByInode.GetValueOrDefault(inode);

    /// <summary>
    /// Brings the map up to date for the sockets alive now. Inode 0 (TIME_WAIT, a connection not
    /// yet accepted) has no file and so no owner; it is ignored.
    /// </summary>
    public void Refresh(IReadOnlyCollection<long> liveInodes)
    {
        _refreshes++;
        var live = new HashSet<long>(liveInodes);
        live.Remove(0);
        ForgetDeadSockets(live);
        ForgetExitedOwners();

        var unknown = new HashSet<long>();
        foreach (var inode in live)
        {
            if (_ownerByInode.ContainsKey(inode))
            {
                continue;
            }

            if (_ownerlessSince.TryGetValue(inode, out var since) && _refreshes - since < OwnerlessRetryCycles)
            {
                continue;
            }

            unknown.Add(inode);
        }

        if (unknown.Count == 0)
        {
            return;
        }

        Rescans++;
        Scan(unknown);
        foreach (var inode in unknown)
        {
            _ownerlessSince[inode] = _refreshes;
        }
    }

    private void ForgetDeadSockets(HashSet<long> live)
    {
        List<long>? dead = null;
        foreach (var inode in _ownerByInode.Keys)
        {
            if (!live.Contains(inode))
            {
                (dead ??= []).Add(inode);
            }
        }

        foreach (var inode in dead ?? [])
        {
            Forget(inode);
        }

        dead = null;
        foreach (var inode in _ownerlessSince.Keys)
        {
            if (!live.Contains(inode))
            {
                (dead ??= []).Add(inode);
            }
        }

        foreach (var inode in dead ?? [])
        {
            _ownerlessSince.Remove(inode);
        }
    }

    private void ForgetExitedOwners()
    {
        List<int>? exited = null;
        foreach (var pid in _socketCountByPid.Keys)
        {
            if (!Directory.Exists(PidDirectory(pid)))
            {
                (exited ??= []).Add(pid);
            }
        }

        if (exited is null)
        {
            return;
        }

        var gone = new HashSet<int>(exited);
        List<long> orphaned = [];
        foreach (var (inode, pid) in _ownerByInode)
        {
            if (gone.Contains(pid))
            {
                orphaned.Add(inode);
            }
        }

        // The socket may live on in a child that inherited it; it becomes unknown and the next scan finds it.
        foreach (var inode in orphaned)
        {
            Forget(inode);
        }

        foreach (var pid in gone)
        {
            _scannedPids.Remove(pid);
        }
    }

    private void Forget(long inode)
    {
        _standardStreamsByInode.Remove(inode);
        if (!_ownerByInode.Remove(inode, out var pid))
        {
            return;
        }

        if (_socketCountByPid.TryGetValue(pid, out var count) && count > 1)
        {
            _socketCountByPid[pid] = count - 1;
        }
        else
        {
            _socketCountByPid.Remove(pid);
        }
    }

    private void Scan(HashSet<long> unknown)
    {
        var running = ListPids();
        _scannedPids.IntersectWith(running);

        List<int> fresh = [];
        List<int> socketOwners = [];
        List<int> others = [];
        foreach (var pid in running)
        {
            if (!_scannedPids.Contains(pid))
            {
                fresh.Add(pid);
            }
            else if (_socketCountByPid.ContainsKey(pid))
            {
                socketOwners.Add(pid);
            }
            else
            {
                others.Add(pid);
            }
        }

        foreach (var group in new[] { fresh, socketOwners, others })
        {
            foreach (var pid in group)
            {
                ScanProcess(pid, unknown);
                if (unknown.Count == 0)
                {
                    return;
                }
            }
        }
    }

    private HashSet<int> ListPids()
    {
        var pids = new FileSystemEnumerable<int>(
            _procRoot,
            static (ref FileSystemEntry entry) => int.Parse(entry.FileName, NumberStyles.None, CultureInfo.InvariantCulture),
            new EnumerationOptions { RecurseSubdirectories = false, AttributesToSkip = 0 })
        {
            ShouldIncludePredicate = static (ref FileSystemEntry entry) => entry.IsDirectory && IsPid(entry.FileName),
        };
        return [.. pids];
    }

    /// <summary>Reads one process's fd links. A process that exits meanwhile or hides its fds is counted and skipped.</summary>
    private void ScanProcess(int pid, HashSet<long> unknown)
    {
        ProcessesScanned++;
        var pidDirectory = PidDirectory(pid);
        var links = 0;
        var unreadable = 0;
        try
        {
            foreach (var link in new FileSystemEnumerable<string>(Path.Join(pidDirectory, "fd"), static (ref FileSystemEntry entry) => entry.ToFullPath(), StrictEnumeration))
            {
                links++;

                // LinkTarget gives null rather than an exception both when the fd was closed since the
                // listing (harmless) and when readlink is refused (EACCES: not root, Yama, a process in
                // another user namespace), where listing the directory still works.
                var target = new FileInfo(link).LinkTarget;
                if (target is null)
                {
                    unreadable++;

                    // A refused process refuses every fd: stop after a few instead of paying one failed
                    // syscall per descriptor. Three closed fds in a row by chance is not worth scanning for.
                    if (unreadable == links && links >= 3)
                    {
                        break;
                    }

                    continue;
                }

                if (TryParseSocketLink(target, out var inode))
                {
                    Record(inode, pid, Path.GetFileName(link.AsSpan()));
                    unknown.Remove(inode);
                }
            }

            _scannedPids.Add(pid);
        }
        catch (UnauthorizedAccessException)
        {
            // EACCES on the fd directory itself: another user's process while we are not root, hidepid=.
            _counters.Increment(NetworkCounterNames.FdScanErrors);
            return;
        }
        catch (DirectoryNotFoundException)
        {
            _counters.Increment(NetworkCounterNames.ProcessesVanished);
            return;
        }
        catch (IOException)
        {
            // ESRCH and friends when the process is torn down while we walk its fd table.
            _counters.Increment(NetworkCounterNames.ProcessesVanished);
            return;
        }

        if (links > 0 && unreadable == links)
        {
            _counters.Increment(Directory.Exists(pidDirectory) ? NetworkCounterNames.FdScanErrors : NetworkCounterNames.ProcessesVanished);
        }
    }

    private void Record(long inode, int pid, ReadOnlySpan<char> fd)
    {
        _ownerlessSince.Remove(inode);

        // A shared socket (forked workers of one listener) keeps its first owner so events stay stable.
        if (_ownerByInode.TryAdd(inode, pid))
        {
            _socketCountByPid[pid] = _socketCountByPid.GetValueOrDefault(pid) + 1;
        }

        if (fd is ['0' or '1' or '2'] && _ownerByInode[inode] == pid)
        {
            _standardStreamsByInode[inode] = (byte)(_standardStreamsByInode.GetValueOrDefault(inode) | (1 << (fd[0] - '0')));
        }
    }

    internal static bool TryParseSocketLink(ReadOnlySpan<char> target, out long inode)
    {
        inode = 0;
        return target.StartsWith(SocketLinkPrefix, StringComparison.Ordinal)
            && target.EndsWith(']')
            && long.TryParse(target[SocketLinkPrefix.Length..^1], NumberStyles.None, CultureInfo.InvariantCulture, out inode)
            && inode != 0;
    }

    private string PidDirectory(int pid) => Path.Join(_procRoot, pid.ToString(CultureInfo.InvariantCulture));

    private static bool IsPid(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty || name.Length > 10)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        return int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out _);
    }
}
