using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace Atalaya.Platform.Linux.Files;

/// <summary>
/// Turns the directory file handle of a fanotify event into a path: open_by_handle_at(2) against a
/// descriptor on the same filesystem (needs CAP_DAC_READ_SEARCH), then readlink of /proc/self/fd/N.
/// Results are cached by handle, since a burst of writes in one directory repeats the same handle; the
/// cache is cleared whenever a directory is renamed or deleted anywhere (FAN_ONDIR move/delete
/// events), because a cached path would then be stale.
/// </summary>
internal sealed class DirectoryHandleResolver : IDisposable
{
    private const int Capacity = 16_384;
    private const string DeletedSuffix = " (deleted)";

    private readonly Dictionary<ulong, SafeFileHandle> _mounts = [];
    private readonly Dictionary<string, string?> _cache = new(StringComparer.Ordinal);

    public long Resolved { get; private set; }

    public long Failed { get; private set; }

    public long CacheHits { get; private set; }

    /// <summary>Registers a directory on a marked filesystem as the mount reference for its fsid.</summary>
    public bool AddMount(ulong fsid, string directory, out int errno)
    {
        errno = 0;
        if (_mounts.ContainsKey(fsid))
        {
            return true;
        }

        var handle = Interop.OpenDirectory(directory, out errno);
        if (handle.IsInvalid)
        {
            handle.Dispose();
            return false;
        }

        _mounts[fsid] = handle;
        return true;
    }

    public void Invalidate() => _cache.Clear();

    /// <summary>The directory's current path, or null when it is gone (ESTALE) or on an unknown filesystem.</summary>
    public string? Resolve(FanotifyFileHandle handle)
    {
        if (_cache.TryGetValue(handle.Key, out var cached))
        {
            CacheHits++;
            return cached;
        }

        var path = Open(handle);
        if (path is null)
        {
            Failed++;
            // Not cached: a handle that fails now (a race with rmdir) must not hide a later directory.
            return null;
        }

        Resolved++;
        if (_cache.Count >= Capacity)
        {
            _cache.Clear();
        }

        _cache[handle.Key] = path;
        return path;
    }

    private string? Open(FanotifyFileHandle handle)
    {
        if (!_mounts.TryGetValue(handle.Fsid, out var mount))
        {
            return null;
        }

        var fd = Interop.OpenByHandle(mount, handle.ToFileHandleStruct(), out _);
        if (fd < 0)
        {
            return null;
        }

        try
        {
            var target = Interop.ReadLink(string.Concat("/proc/self/fd/", fd.ToString(CultureInfo.InvariantCulture)), out _);
            if (target is null || target.Length == 0 || target[0] != '/')
            {
                return null;
            }

            // A directory removed while its events wait in the queue still resolves, with the kernel's suffix.
            return target.EndsWith(DeletedSuffix, StringComparison.Ordinal) ? target[..^DeletedSuffix.Length] : target;
        }
        finally
        {
            Interop.Close(fd);
        }
    }

    public void Dispose()
    {
        foreach (var handle in _mounts.Values)
        {
            handle.Dispose();
        }

        _mounts.Clear();
    }
}
