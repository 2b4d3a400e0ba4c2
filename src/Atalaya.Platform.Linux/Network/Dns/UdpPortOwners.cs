using System.Globalization;

namespace Atalaya.Platform.Linux.Network.Dns;

/// <summary>
/// Which process holds the UDP socket bound to a local port: the socket that asked a DNS question
/// receives the answer on its source port. Reads /proc/net/udp{,6} for the inode, then the fd
/// links of /proc for its owner — a walk, so callers rate-limit it (<see cref="MaxLookupsPerSecond"/>).
/// The answer races the asker: a resolver that closed its socket by then is not attributable.
/// </summary>
internal sealed class UdpPortOwners
{
    public const int MaxLookupsPerSecond = 20;

    private readonly string _procRoot;
    private readonly TimeProvider _time;
    private readonly List<ProcNetSocket> _rows = [];
    private long _second;
    private int _usedThisSecond;

    public UdpPortOwners(string procRoot, TimeProvider time)
    {
        _procRoot = procRoot;
        _time = time;
    }

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
        ProcNetTableReader.TryRead(_procRoot, ProcNetTable.Udp, _rows, out _);
        ProcNetTableReader.TryRead(_procRoot, ProcNetTable.Udp6, _rows, out _);
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
        var wanted = $"socket:[{inode.ToString(CultureInfo.InvariantCulture)}]";
        IEnumerable<string> processes;
        try
        {
            processes = Directory.EnumerateDirectories(_procRoot);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        foreach (var directory in processes)
        {
            if (!int.TryParse(Path.GetFileName(directory.AsSpan()), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                foreach (var fd in Directory.EnumerateFileSystemEntries(Path.Join(directory, "fd")))
                {
                    if (string.Equals(new FileInfo(fd).LinkTarget, wanted, StringComparison.Ordinal))
                    {
                        var owner = OwnerProcess.Read(_procRoot, pid);
                        return $"{owner.Name ?? "?"} (pid {pid.ToString(CultureInfo.InvariantCulture)})";
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process exited or hides its fds: keep looking.
            }
        }

        return null;
    }
}
