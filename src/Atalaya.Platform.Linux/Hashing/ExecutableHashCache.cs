using System.Buffers;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Atalaya.Platform.Linux.Hashing;

/// <summary>
/// SHA-256 of executables, cached by <see cref="FileIdentity"/> so each binary is read once per change,
/// not once per process. Thread-safe; least-recently-used entries are evicted past the capacity.
/// </summary>
public sealed class ExecutableHashCache
{
    /// <summary>Default limit above which a file is not hashed (hashing 512 MiB costs about a second of one core).</summary>
    public const long DefaultMaxFileSize = 512L * 1024 * 1024;

    public const int DefaultCapacity = 10_000;

    private const int ChunkSize = 128 * 1024;
    private const int S_IFMT = 0xF000;
    private const int S_IFREG = 0x8000;

    private readonly Lock _gate = new();
    private readonly Dictionary<FileIdentity, LinkedListNode<Entry>> _entries = [];
    private readonly LinkedList<Entry> _recency = new();
    private long _hits;
    private long _misses;
    private long _bytesHashed;
    private long _skippedTooLarge;

    public ExecutableHashCache(long maxFileSize = DefaultMaxFileSize, int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxFileSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        MaxFileSize = maxFileSize;
        Capacity = capacity;
    }

    public long MaxFileSize { get; }

    public int Capacity { get; }

    public long Hits => Interlocked.Read(ref _hits);

    public long Misses => Interlocked.Read(ref _misses);

    public long BytesHashed => Interlocked.Read(ref _bytesHashed);

    /// <summary>Files not hashed because they were larger than <see cref="MaxFileSize"/>.</summary>
    public long SkippedTooLarge => Interlocked.Read(ref _skippedTooLarge);

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>
    /// Hash of a process's executable through <c>/proc/[pid]/exe</c>: opening the magic link reaches the
    /// running binary even when it was deleted or lives in another mount namespace.
    /// </summary>
    public string? GetForProcess(int pid, string procRoot = "/proc") =>
        GetSha256(ProcessExePath(pid, procRoot));

    /// <summary>
    /// Like <see cref="GetForProcess"/>, but tells a read failure (false) apart from a file that was
    /// deliberately not hashed because of its size (true with a null hash).
    /// </summary>
    public bool TryGetForProcess(int pid, string procRoot, out string? sha256) =>
        TryGetSha256(ProcessExePath(pid, procRoot), out sha256);

    /// <inheritdoc cref="TryGetSha256(string, out string?, out Interop.StatxBuffer)"/>
    internal bool TryGetForProcess(int pid, string procRoot, out string? sha256, out Interop.StatxBuffer stat) =>
        TryGetSha256(ProcessExePath(pid, procRoot), out sha256, out stat);

    /// <summary>
    /// As above through an open /proc/[pid] handle: a cache hit is one statx of "exe" under it; a miss
    /// falls back to the path (the bytes are read through an opened, fstat-checked descriptor anyway).
    /// </summary>
    internal bool TryGetForProcess(in Processes.ProcPidDirectory process, string procRoot, out string? sha256, out Interop.StatxBuffer stat)
    {
        sha256 = null;
        if (!Interop.TryStatxAt(process.Fd, process.PathOf("exe"), out stat))
        {
            stat = default;
            return false;
        }

        if ((stat.stx_mode & S_IFMT) == S_IFREG && TryGetCached(FileIdentity.From(stat), out sha256))
        {
            return true;
        }

        return TryGetSha256(ProcessExePath(process.Pid, procRoot), out sha256, out stat);
    }

    /// <summary>
    /// Lower-case hex SHA-256, or null when the file cannot be opened (gone, permission denied), is not
    /// a regular file, or is larger than <see cref="MaxFileSize"/>. Never throws for I/O reasons.
    /// </summary>
    public string? GetSha256(string path) => TryGetSha256(path, out var sha256) ? sha256 : null;

    /// <summary>False when the file could not be read; true with a null hash when it is over the size limit.</summary>
    public bool TryGetSha256(string path, out string? sha256) => TryGetSha256(path, out sha256, out _);

    /// <summary>
    /// As <see cref="TryGetSha256(string, out string?)"/>, also handing back the path's statx (zeroed when
    /// it failed) so a caller that wants the size and mtime does not stat the file again. A cache hit
    /// costs that one statx: the identity of the path is the identity of the file it names, and the
    /// open-then-fstat dance that guards against a swap only matters when the bytes are read.
    /// </summary>
    internal bool TryGetSha256(string path, out string? sha256, out Interop.StatxBuffer stat)
    {
        sha256 = null;
        // open(2) on a FIFO would block the collector; only regular files are hashed.
        if (!Interop.TryStatx(path, out stat))
        {
            stat = default;
            return false;
        }

        if ((stat.stx_mode & S_IFMT) != S_IFREG)
        {
            return false;
        }

        if (TryGetCached(FileIdentity.From(stat), out sha256))
        {
            return true;
        }

        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }

        using (handle)
        {
            // The key comes from the open descriptor, not the path, so a binary replaced between the
            // stat and the read cannot be cached under the old identity.
            if (!FileIdentity.TryGet(handle, out var identity))
            {
                return false;
            }

            if (TryGetCached(identity, out sha256))
            {
                return true;
            }

            Interlocked.Increment(ref _misses);
            if (identity.Size > MaxFileSize)
            {
                Interlocked.Increment(ref _skippedTooLarge);
                return true;
            }

            var hash = Hash(handle, out var tooLarge);
            if (hash is null)
            {
                return tooLarge;
            }

            // A write during the read changes mtime/size: do not remember a hash of a torn read.
            if (FileIdentity.TryGet(handle, out var after) && after == identity)
            {
                Add(identity, hash);
            }

            sha256 = hash;
            return true;
        }
    }

    private static string ProcessExePath(int pid, string procRoot) =>
        string.Concat(procRoot.TrimEnd('/'), "/", pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "/exe");

    /// <summary>The SHA-256 of a file already hashed with exactly this identity; no I/O.</summary>
    internal bool TryGetCached(FileIdentity identity, out string? hash)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue(identity, out var node))
            {
                _recency.Remove(node);
                _recency.AddFirst(node);
                Interlocked.Increment(ref _hits);
                hash = node.Value.Sha256;
                return true;
            }
        }

        hash = null;
        return false;
    }

    private void Add(FileIdentity identity, string hash)
    {
        lock (_gate)
        {
            if (_entries.ContainsKey(identity))
            {
                return;
            }

            _entries[identity] = _recency.AddFirst(new Entry(identity, hash));
            while (_entries.Count > Capacity)
            {
                var oldest = _recency.Last!;
                _recency.RemoveLast();
                _entries.Remove(oldest.Value.Identity);
            }
        }
    }

    private string? Hash(SafeFileHandle handle, out bool tooLarge)
    {
        tooLarge = false;
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long offset = 0;
            int read;
            while ((read = RandomAccess.Read(handle, buffer.AsSpan(0, ChunkSize), offset)) > 0)
            {
                sha.AppendData(buffer, 0, read);
                offset += read;
                if (offset > MaxFileSize)
                {
                    // Grew past the limit while being read.
                    Interlocked.Increment(ref _skippedTooLarge);
                    tooLarge = true;
                    return null;
                }
            }

            Interlocked.Add(ref _bytesHashed, offset);
            return Convert.ToHexStringLower(sha.GetHashAndReset());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private sealed record Entry(FileIdentity Identity, string Sha256);
}
