using Atalaya.Platform.Linux.Hashing;

namespace Atalaya.Platform.Linux.Host;

/// <summary>
/// uid → user name from <c>/etc/passwd</c>, re-read when the file changes (useradd and vipw replace
/// it, so the inode changes too). Local accounts only: NSS sources such as LDAP or sssd are not asked,
/// because calling getpwuid from the collector could block on the network.
/// </summary>
public sealed class UserNameResolver
{
    private readonly string _passwdPath;
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _recheckInterval;
    private readonly Lock _gate = new();
    private Dictionary<uint, string> _names = [];
    private FileIdentity? _loadedIdentity;
    private long _lastCheckTimestamp;
    private bool _everChecked;

    /// <param name="rootPrefix">Prepended to <c>/etc/passwd</c>; tests point it at a temp directory.</param>
    /// <param name="recheckInterval">How often, at most, the file's identity is checked (default 2 s).</param>
    public UserNameResolver(string rootPrefix = "", TimeProvider? timeProvider = null, TimeSpan? recheckInterval = null)
    {
        _passwdPath = rootPrefix.TrimEnd('/') + "/etc/passwd";
        _timeProvider = timeProvider ?? TimeProvider.System;
        _recheckInterval = recheckInterval ?? TimeSpan.FromSeconds(2);
    }

    /// <summary>Lines of the last load that were not valid passwd entries.</summary>
    public int MalformedLines { get; private set; }

    /// <summary>The name, or null for a uid with no local account (containers often run such uids).</summary>
    public string? Resolve(uint uid)
    {
        lock (_gate)
        {
            ReloadIfChanged();
            return _names.GetValueOrDefault(uid);
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
        if (!FileIdentity.TryGet(_passwdPath, out var identity))
        {
            _names = [];
            _loadedIdentity = null;
            return;
        }

        if (identity == _loadedIdentity)
        {
            return;
        }

        string text;
        try
        {
            text = File.ReadAllText(_passwdPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return;
        }

        var names = new Dictionary<uint, string>();
        var entries = PasswdParser.Parse(text, out var malformed);
        foreach (var entry in entries)
        {
            // passwd(5): the first line for a uid wins, as getpwuid does.
            names.TryAdd(entry.Uid, entry.Name);
        }

        MalformedLines = malformed;

        _names = names;
        _loadedIdentity = identity;
    }
}
