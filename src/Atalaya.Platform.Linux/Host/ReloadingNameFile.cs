using Atalaya.Platform.Linux.Hashing;

namespace Atalaya.Platform.Linux.Host;

/// <summary>
/// An id → name table read from a local account file (/etc/passwd, /etc/group), re-read when the
/// file's identity changes (useradd and vipw replace it, so the inode changes too), checked at most
/// once per interval. Local files only: NSS sources such as LDAP or sssd are not asked, because
/// calling getpwuid from a collector could block on the network.
/// </summary>
internal sealed class ReloadingNameFile
{
    private readonly string _path;
    private readonly Func<string, (IReadOnlyDictionary<uint, string> Names, int Malformed)> _parse;
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _recheckInterval;
    private readonly Lock _gate = new();
    private IReadOnlyDictionary<uint, string> _names = new Dictionary<uint, string>();
    private FileIdentity? _loadedIdentity;
    private long _lastCheckTimestamp;
    private bool _everChecked;

    public ReloadingNameFile(string path, Func<string, (IReadOnlyDictionary<uint, string>, int)> parse, TimeProvider? timeProvider, TimeSpan? recheckInterval)
    {
        _path = path;
        _parse = parse;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _recheckInterval = recheckInterval ?? TimeSpan.FromSeconds(2);
    }

    public int MalformedLines { get; private set; }

    public string? Resolve(uint id)
    {
        lock (_gate)
        {
            ReloadIfChanged();
            return _names.GetValueOrDefault(id);
        }
    }

    private void ReloadIfChanged()
    {
        var now = _timeProvider.GetTimestamp();
        if (_everChecked && _timeProvider.GetElapsedTime(_lastCheckTimestamp, now) < _recheckInterval)
        {
            return;
        }

        _everChecked = true;
        _lastCheckTimestamp = now;
        if (!FileIdentity.TryGet(_path, out var identity))
        {
            _names = new Dictionary<uint, string>();
            _loadedIdentity = null;
            return;
        }

        if (identity == _loadedIdentity)
        {
            return;
        }

        try
        {
            (_names, MalformedLines) = _parse(File.ReadAllText(_path));
            _loadedIdentity = identity;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The previous names stay: a half-written file during useradd is retried at the next check.
        }
    }
}
