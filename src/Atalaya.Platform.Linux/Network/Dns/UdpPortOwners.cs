using System.Globalization;
using Atalaya.Core.Pipeline;

namespace Atalaya.Platform.Linux.Network.Dns;

/// <summary>
/// Which process holds the UDP socket bound to a local port: the socket that asked a DNS question
/// receives the answer on its source port. Reads /proc/net/udp{,6} for the inode, then the fd
/// links of /proc for its owner through a <see cref="SocketInodeOwnerMap"/> of its own (the walk the
/// inventory uses: new processes first, stops at the first match, and a long-lived resolver socket
/// asked about again costs one statx instead of a walk). Still a walk on a miss, so callers
/// rate-limit it (<see cref="MaxLookupsPerSecond"/>). Not thread-safe: the sniffer's thread owns it.
/// The answer races the asker: a resolver that closed its socket by then is not attributable.
/// </summary>
internal sealed class UdpPortOwners
{
    public const int MaxLookupsPerSecond = 20;

    /// <summary>Counter of /proc/net/udp reads that failed with something other than "no such table".</summary>
    public const string TableReadErrors = "udp_table_read_errors";

    private readonly string _procRoot;
    private readonly TimeProvider _time;
    private readonly List<ProcNetSocket> _rows = [];
    private readonly SocketInodeOwnerMap _map;
    private readonly long[] _inode = new long[1];
    private long _second;
    private int _usedThisSecond;

    public UdpPortOwners(string procRoot, TimeProvider time)
    {
        _procRoot = procRoot;
        _time = time;
        _map = new SocketInodeOwnerMap(procRoot, Counters);
    }

    /// <summary>The fd walk's own counts (processes vanished mid-walk, fd tables refused).</summary>
    public CollectorCounters Counters { get; } = new();

    public long RateLimited { get; private set; }

    /// <summary>"name (pid N)" of the owner of local UDP port <paramref name="port"/>, or null.</summary>
    public string? Find(int port)
    {
        var second = _time.GetUtcNow().ToUnixTimeSeconds();
        if (second != _second)
        {
            (_second, _usedThisSecond) = (second, 0);
        }

        if (++_usedThisSecond > MaxLookupsPerSecond)
        {
            RateLimited++;
            return null;
        }

        _rows.Clear();
        try
        {
            ProcNetTableReader.TryRead(_procRoot, ProcNetTable.Udp, _rows, out _);
            ProcNetTableReader.TryRead(_procRoot, ProcNetTable.Udp6, _rows, out _);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Only a missing table is a false return; any other read error would end the sniffer's
            // thread. The answer is still learned, without its asker.
            Counters.Increment(TableReadErrors);
            return null;
        }
        var inode = 0L;
        foreach (var row in _rows)
        {
            if (row.LocalPort == port && row.Inode != 0)
            {
                inode = row.Inode;
                break;
            }
        }

        return inode == 0 ? null : FindOwner(inode);
    }

    private string? FindOwner(long inode)
    {
        _inode[0] = inode;
        _map.Refresh(_inode);
        if (!_map.TryGetOwner(inode, out var pid))
        {
            return null;
        }

        var owner = OwnerProcess.Read(_procRoot, pid);
        return $"{owner.Name ?? "?"} (pid {pid.ToString(CultureInfo.InvariantCulture)})";
    }
}
