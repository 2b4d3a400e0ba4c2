using Atalaya.Platform.Linux.Accounts;

namespace Atalaya.Platform.Linux.Host;

/// <summary>
/// gid → group name from <c>/etc/group</c>, re-read when the file's identity changes (checked at most
/// every few seconds). Local groups only, for the same reason as <see cref="UserNameResolver"/>.
/// </summary>
public sealed class GroupNameResolver
{
    private readonly ReloadingNameFile _file;

    public GroupNameResolver(string rootPrefix = "", TimeProvider? timeProvider = null, TimeSpan? recheckInterval = null) =>
        _file = new ReloadingNameFile(
            rootPrefix.TrimEnd('/') + "/etc/group",
            Parse,
            timeProvider,
            recheckInterval);

    public int MalformedLines => _file.MalformedLines;

    public string? Resolve(uint gid) => _file.Resolve(gid);

    private static (IReadOnlyDictionary<uint, string>, int) Parse(string text)
    {
        var names = new Dictionary<uint, string>();
        var entries = GroupParser.Parse(text, out var malformed);
        foreach (var entry in entries)
        {
            // group(5): the first line for a gid wins, as getgrgid does.
            names.TryAdd(entry.Gid, entry.Name);
        }

        return (names, malformed);
    }
}
