using System.Globalization;
using Atalaya.Core.Analytics;
using Atalaya.Platform.Linux.Processes;

namespace Atalaya.Platform.Linux.Files;

/// <summary>
/// Whether a package manager is running now, for the inotify fallback that does not know the writer:
/// while dpkg or rpm runs, a file that differs from its recorded digest is most likely mid-upgrade,
/// not tampered with. Re-scans /proc at most once per second.
/// </summary>
internal sealed class PackageManagerActivity
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(1);

    private readonly ProcessReader _reader;
    private readonly TimeProvider _time;
    private long _checkedAt;
    private bool _active;
    private bool _checked;

    public PackageManagerActivity(string procRoot, TimeProvider time)
    {
        _reader = new ProcessReader(procRoot);
        _time = time;
    }

    public bool IsActive()
    {
        var now = _time.GetTimestamp();
        if (_checked && _time.GetElapsedTime(_checkedAt, now) < Lifetime)
        {
            return _active;
        }

        _checked = true;
        _checkedAt = now;
        _active = false;
        IEnumerable<string> entries;
        try
        {
            entries = Directory.EnumerateDirectories(_reader.ProcRoot);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }

        foreach (var entry in entries)
        {
            var name = Path.GetFileName(entry.AsSpan());
            if (!int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            if (_reader.TryReadStat(pid, out var stat) == ProcReadStatus.Ok && PackageManagers.IsPackageManager(stat.Comm, null))
            {
                _active = true;
                break;
            }
        }

        return _active;
    }
}
