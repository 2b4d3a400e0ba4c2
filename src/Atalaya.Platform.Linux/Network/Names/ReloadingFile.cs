namespace Atalaya.Platform.Linux.Network.Names;

/// <summary>
/// A small configuration file (/etc/hosts, /etc/services) re-read when it changes: at most one
/// stat per <see cref="RecheckInterval"/>, a re-read only when its modification time, change
/// time, size or inode moved (editors replace files by rename). A missing or unreadable file reads as empty.
/// Not thread-safe: the owner serializes calls.
/// </summary>
internal sealed class ReloadingFile
{
    public static readonly TimeSpan RecheckInterval = TimeSpan.FromSeconds(2);

    private readonly TimeProvider _time;
    private DateTimeOffset _nextCheck = DateTimeOffset.MinValue;
    private Hashing.FileIdentity? _identity;

    public ReloadingFile(string path, TimeProvider time)
    {
        Path = path;
        _time = time;
    }

    public string Path { get; }

    public long Reloads { get; private set; }

    /// <summary>The new text when the file changed since the last call (or on the first call), else null.</summary>
    public string? ReadIfChanged()
    {
        var now = _time.GetUtcNow();
        if (now < _nextCheck)
        {
            return null;
        }

        _nextCheck = now + RecheckInterval;
        Hashing.FileIdentity? identity = Hashing.FileIdentity.TryGet(Path, out var current) ? current : null;

        if (_identity == identity && Reloads > 0)
        {
            return null;
        }

        _identity = identity;
        Reloads++;
        if (identity is null)
        {
            return "";
        }

        try
        {
            return File.ReadAllText(Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}
