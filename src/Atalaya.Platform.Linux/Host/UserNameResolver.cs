namespace Atalaya.Platform.Linux.Host;

/// <summary>uid → user name from <c>/etc/passwd</c> (see <see cref="ReloadingNameFile"/> for when it is re-read).</summary>
public sealed class UserNameResolver
{
    private readonly ReloadingNameFile _file;

    /// <param name="rootPrefix">Prepended to <c>/etc/passwd</c>; tests point it at a temp directory.</param>
    /// <param name="recheckInterval">How often, at most, the file's identity is checked (default 2 s).</param>
    public UserNameResolver(string rootPrefix = "", TimeProvider? timeProvider = null, TimeSpan? recheckInterval = null) =>
        _file = new ReloadingNameFile(rootPrefix.TrimEnd('/') + "/etc/passwd", Parse, timeProvider, recheckInterval);

    /// <summary>Lines of the last load that were not valid passwd entries.</summary>
    public int MalformedLines => _file.MalformedLines;

    /// <summary>The name, or null for a uid with no local account (containers often run such uids).</summary>
    public string? Resolve(uint uid) => _file.Resolve(uid);

    private static (IReadOnlyDictionary<uint, string>, int) Parse(string text)
    {
        var names = new Dictionary<uint, string>();
        var entries = PasswdParser.Parse(text, out var malformed);
        foreach (var entry in entries)
        {
            // passwd(5): the first line for a uid wins, as getpwuid does.
            names.TryAdd(entry.Uid, entry.Name);
        }

        return (names, malformed);
    }
}
