using Atalaya.Platform.Linux.Hashing;

namespace Atalaya.Platform.Linux.Host;

/// <summary>
/// gid → group name from <c>/etc/group</c>, re-read when the file's identity changes (checked at most
/// every few seconds). Local groups only, for the same reason as <see cref="UserNameResolver"/>.
/// </summary>
public sealed class GroupNameResolver
{
    private readonly string _groupPath;
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _recheckInterval;
    private readonly Lock _gate = new();
    private IReadOnlyDictionary<uint, string> _names = new Dictionary<uint, string>();
    private FileIdentity? _loadedIdentity;
    private long _lastCheckTimestamp;
    private bool _everChecked;

    public GroupNameResolver(string rootPrefix = "", TimeProvider? timeProvider = null, TimeSpan? recheckInterval = null)
    {
        _groupPath = rootPrefix.TrimEnd('/') + "/etc/group";
        _timeProvider = timeProvider ?? TimeProvider.System;
        _recheckInterval = recheckInterval ?? TimeSpan.FromSeconds(2);
    }

    public int MalformedLines { get; private set; }

    public string? Resolve(uint gid)
    {
        lock (_gate)
        {
            ReloadIfChanged();
            return _names.GetValueOrDefault(gid);
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
        if (!FileIdentity.TryGet(_groupPath, out var identity))
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
            _names = GroupParser.Parse(File.ReadAllText(_groupPath), out var malformed);
            MalformedLines = malformed;
            _loadedIdentity = identity;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Kept the previous names: a half-written file during groupadd is retried at the next check.
        }
    }
}
