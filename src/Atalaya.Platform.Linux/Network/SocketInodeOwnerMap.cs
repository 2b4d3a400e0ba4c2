using System.Globalization;
using System.IO.Enumeration;
using Atalaya.Core.Pipeline;

namespace Atalaya.Platform.Linux.Network;

/// <summary>
/// Socket inode → owning pid, learned from the <c>/proc/[pid]/fd/*</c> links that read
/// <c>socket:[inode]</c>. Reading every fd of every process is the expensive part of a cycle, so
/// the map is incremental:
/// <list type="bullet">
/// <item>known inodes are answered from the cache; when every live inode is known, nothing is
/// scanned and nothing is allocated (entries carry the number of the refresh that last saw them,
/// so finding the closed ones is one sweep, not a set built per cycle);</item>
/// <item>when some are unknown, only processes are read that can hold them — processes never
/// scanned before (new ones, and a reused pid, which is a new process), then processes that
/// already own sockets (servers accepting), then the rest — and the scan stops as soon as every
/// unknown inode is found;</item>
/// <item>an inode that a scan of every process could not attribute (a kernel socket such as an NFS
/// or WireGuard one, a socket in flight in an SCM_RIGHTS message) is remembered as ownerless and
/// retried only every <see cref="OwnerlessRetryCycles"/> refreshes, so it does not force a full
/// scan each cycle.</item>
/// </list>
/// A process is identified by its pid and the inode number of its <c>/proc/[pid]</c> directory:
/// procfs gives each process instance a fresh inode, so a pid reused between two refreshes is seen
/// as a new process (its predecessor's sockets are forgotten, its fds are read) for the price of the
/// one statx per owner per refresh that the exit check needs anyway. If the kernel evicts and
/// recreates that inode for a live process, the process is merely read again.
/// Trade-off: an entry is trusted while its process exists. If that process closes its fd after
/// handing the socket to another one (fd passing, a fork whose parent keeps running but closes it),
/// the old owner is reported until the socket goes away. Verifying each entry's fd link every cycle
/// would cost one readlink per socket per cycle.
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
    private readonly Dictionary<long, Owned> _ownerByInode = [];
    private readonly Dictionary<int, OwnerPid> _owners = [];

    private readonly HashSet<int> _scannedPids = [];
    private readonly Dictionary<long, Ownerless> _ownerless = [];
    private readonly HashSet<long> _unknown = [];
    private readonly List<long> _stale = [];
    private readonly List<int> _exited = [];
    private readonly HashSet<int> _exitedSet = [];
    private readonly List<int> _released = [];
    private readonly List<int> _fresh = [];
    private readonly List<int> _socketOwners = [];
    private readonly List<int> _others = [];
    private readonly HashSet<int> _running = [];
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

    /// <summary>How many distinct processes own at least one known socket.</summary>
    public int OwnerCount => _owners.Count;

    /// <summary>
    /// Pids that stopped owning sockets during the latest refresh: the process exited, its pid now
    /// names another process, or its last known socket closed. Whatever was cached about them is stale.
    /// </summary>
    public IReadOnlyList<int> ReleasedOwners => _released;

    /// <summary>Whether <paramref name="pid"/> holds at least one known socket.</summary>
    public bool OwnsSockets(int pid) => _owners.ContainsKey(pid);

    public bool TryGetOwner(long inode, out int pid)
    {
        if (_ownerByInode.TryGetValue(inode, out var owned))
        {
            pid = owned.Pid;
            return true;
        }

        pid = 0;
        return false;
    }

    /// <summary>
    /// Which of the owner's fds 0, 1 and 2 were this socket when the owner's fd table was read
    /// (bit 0 stdin, bit 1 stdout, bit 2 stderr). Read once, when the inode was first attributed:
    /// a process that dup2()s the socket onto its stdio later is seen only if that happened before.
    /// </summary>
    public byte StandardStreams(long inode) => _ownerByInode.TryGetValue(inode, out var owned) ? owned.Streams : (byte)0;

    /// <summary>
    /// Brings the map up to date for the sockets alive now. Inode 0 (TIME_WAIT, a connection not
    /// yet accepted) has no file and so no owner; it is ignored.
    /// </summary>
    public void Refresh(IReadOnlyList<long> liveInodes)
    {
        ArgumentNullException.ThrowIfNull(liveInodes);
        var refresh = ++_refreshes;
        _exited.Clear();
        _exitedSet.Clear();
        _released.Clear();
        _unknown.Clear();
        for (var i = 0; i < liveInodes.Count; i++)
        {
            var inode = liveInodes[i];
            if (inode == 0)
            {
                continue;
            }

            if (_ownerByInode.TryGetValue(inode, out var owned))
            {
                _ownerByInode[inode] = owned with { Seen = refresh };
                continue;
            }

            if (_ownerless.TryGetValue(inode, out var ownerless))
            {
                _ownerless[inode] = ownerless with { Seen = refresh };
                if (refresh - ownerless.Since < OwnerlessRetryCycles)
                {
                    continue;
                }
            }

            _unknown.Add(inode);
        }

        ForgetClosedSockets(refresh);
        ForgetExitedOwners();

        // An owner that exited may have left its sockets to a child: those are unknown again now.
        if (_exited.Count > 0)
        {
            for (var i = 0; i < liveInodes.Count; i++)
            {
                var inode = liveInodes[i];
                if (inode != 0 && !_ownerByInode.ContainsKey(inode) && !_ownerless.ContainsKey(inode))
                {
                    _unknown.Add(inode);
                }
            }
        }

        if (_unknown.Count == 0)
        {
            return;
        }

        Rescans++;
        Scan();
        foreach (var inode in _unknown)
        {
            _ownerless[inode] = new Ownerless(refresh, refresh);
        }
    }

    private void ForgetClosedSockets(long refresh)
    {
        _stale.Clear();
        foreach (var (inode, owned) in _ownerByInode)
        {
            if (owned.Seen != refresh)
            {
                _stale.Add(inode);
            }
        }

        foreach (var inode in _stale)
        {
            Forget(inode);
        }

        _stale.Clear();
        foreach (var (inode, ownerless) in _ownerless)
        {
            if (ownerless.Seen != refresh)
            {
                _stale.Add(inode);
            }
        }

        foreach (var inode in _stale)
        {
            _ownerless.Remove(inode);
        }
    }

    /// <summary>One statx per owning process: gone, or its pid now names a different process.</summary>
    private void ForgetExitedOwners()
    {
        foreach (var (pid, owner) in _owners)
        {
            if (ProcessIdentity(pid) != owner.Identity)
            {
                _exited.Add(pid);
                _exitedSet.Add(pid);
            }
        }

        if (_exited.Count == 0)
        {
            return;
        }

        _stale.Clear();
        foreach (var (inode, owned) in _ownerByInode)
        {
            if (_exitedSet.Contains(owned.Pid))
            {
                _stale.Add(inode);
            }
        }

        foreach (var inode in _stale)
        {
            Forget(inode);
        }

        foreach (var pid in _exited)
        {
            if (_owners.Remove(pid))
            {
                _released.Add(pid);
            }

            _scannedPids.Remove(pid);
        }
    }

    private void Forget(long inode)
    {
        if (!_ownerByInode.Remove(inode, out var owned))
        {
            return;
        }

        if (_owners.TryGetValue(owned.Pid, out var owner) && owner.Sockets > 1)
        {
            _owners[owned.Pid] = owner with { Sockets = owner.Sockets - 1 };
        }
        else if (_owners.Remove(owned.Pid))
        {
            _released.Add(owned.Pid);
        }
    }

    private void Scan()
    {
        ListPids();
        _scannedPids.IntersectWith(_running);

        _fresh.Clear();
        _socketOwners.Clear();
        _others.Clear();
        foreach (var pid in _running)
        {
            // A reused pid of a process that owned sockets was dropped from the scanned set when its
            // identity changed (ForgetExitedOwners); any other reused pid is read among "the rest".
            if (!_scannedPids.Contains(pid))
            {
                _fresh.Add(pid);
            }
            else if (_owners.ContainsKey(pid))
            {
                _socketOwners.Add(pid);
            }
            else
            {
                _others.Add(pid);
            }
        }

        foreach (var group in (ReadOnlySpan<List<int>>)[_fresh, _socketOwners, _others])
        {
            foreach (var pid in group)
            {
                ScanProcess(pid);
                if (_unknown.Count == 0)
                {
                    return;
                }
            }
        }
    }

    private void ListPids()
    {
        _running.Clear();
        var pids = new FileSystemEnumerable<int>(
            _procRoot,
            static (ref FileSystemEntry entry) => int.Parse(entry.FileName, NumberStyles.None, CultureInfo.InvariantCulture),
            new EnumerationOptions { RecurseSubdirectories = false, AttributesToSkip = 0 })
        {
            ShouldIncludePredicate = static (ref FileSystemEntry entry) => entry.IsDirectory && IsPid(entry.FileName),
        };
        foreach (var pid in pids)
        {
            _running.Add(pid);
        }
    }

    /// <summary>Reads one process's fd links. A process that exits meanwhile or hides its fds is counted and skipped.</summary>
    private void ScanProcess(int pid)
    {
        ProcessesScanned++;
        var pidDirectory = PidDirectory(pid);

        // Taken before the fd table is read: if the pid is reused during the read, the identity no
        // longer matches at the next refresh and the new process is read then.
        var identity = ProcessIdentity(pid);
        if (identity == 0)
        {
            _counters.Increment(NetworkCounterNames.ProcessesVanished);
            return;
        }

        var links = 0;
        var unreadable = 0;
        try
        {
            foreach (var link in new FileSystemEnumerable<string>(Path.Join(pidDirectory, "fd"), static (ref FileSystemEntry entry) => entry.ToFullPath(), StrictEnumeration))
            {
                links++;

                // readlink fails both when the fd was closed since the listing (harmless) and when it is
                // refused (EACCES: not root, Yama, a process in another user namespace), where listing
                // the directory still works.
                var target = Interop.ReadLink(link, out _);
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
                    Record(inode, pid, identity, Path.GetFileName(link.AsSpan()));
                    _unknown.Remove(inode);
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

    private void Record(long inode, int pid, ulong identity, ReadOnlySpan<char> fd)
    {
        _ownerless.Remove(inode);
        var streams = fd is ['0' or '1' or '2'] ? (byte)(1 << (fd[0] - '0')) : (byte)0;

        // A shared socket (forked workers of one listener) keeps its first owner so events stay stable.
        if (_ownerByInode.TryGetValue(inode, out var owned))
        {
            if (owned.Pid == pid && streams != 0)
            {
                _ownerByInode[inode] = owned with { Streams = (byte)(owned.Streams | streams) };
            }

            return;
        }

        _ownerByInode[inode] = new Owned(pid, streams, _refreshes);
        _owners[pid] = _owners.TryGetValue(pid, out var owner) ? owner with { Sockets = owner.Sockets + 1 } : new OwnerPid(1, identity);
    }

    internal static bool TryParseSocketLink(ReadOnlySpan<char> target, out long inode)
    {
        inode = 0;
        return target.StartsWith(SocketLinkPrefix, StringComparison.Ordinal)
            && target.EndsWith(']')
            && long.TryParse(target[SocketLinkPrefix.Length..^1], NumberStyles.None, CultureInfo.InvariantCulture, out inode)
            && inode != 0;
    }

    /// <summary>The inode number of /proc/[pid] (a new one for each process instance); 0 when the process is gone.</summary>
    private ulong ProcessIdentity(int pid) =>
        Interop.TryStatx(PidDirectory(pid), out var stat) && stat.stx_ino != 0 ? stat.stx_ino : 0;

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

    /// <summary>An attributed socket: its owner, which of the owner's stdio fds it is, the refresh that last saw it alive.</summary>
    private readonly record struct Owned(int Pid, byte Streams, long Seen);

    /// <summary>An owning process: how many known sockets it holds, and its /proc/[pid] inode when read.</summary>
    private readonly record struct OwnerPid(int Sockets, ulong Identity);

    /// <summary>An inode no process was found to hold: since which refresh, and the refresh that last saw it alive.</summary>
    private readonly record struct Ownerless(long Since, long Seen);
}
