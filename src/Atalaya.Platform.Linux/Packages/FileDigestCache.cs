using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Atalaya.Platform.Linux.Hashing;
using Microsoft.Win32.SafeHandles;

namespace Atalaya.Platform.Linux.Packages;

/// <summary>
/// MD5 of files (the digest dpkg records), keyed by <see cref="FileIdentity"/> (device, inode, size,
/// mtime, ctime) so an unchanged file is read once. The cache can be saved to and loaded from a file
/// so the next <c>atalaya scan</c> skips every unchanged binary; a file whose identity changed (even
/// with mtime set back, since ctime moves) is read again. MD5 is used only because dpkg recorded it:
/// a collision-resistant digest is not needed to notice a modification that was not crafted against
/// MD5, and <c>file.hash.sha256</c> is reported separately.
/// </summary>
public sealed class FileDigestCache
{
    public const int DefaultCapacity = 200_000;

    private const int ChunkSize = 128 * 1024;
    private const string Header = "atalaya-md5-cache 1";

    private readonly Lock _gate = new();
    private readonly Dictionary<FileIdentity, byte[]> _entries = [];
    private long _hits;
    private long _misses;
    private long _bytesRead;

    public FileDigestCache(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    public int Capacity { get; }

    public long Hits => Interlocked.Read(ref _hits);

    public long Misses => Interlocked.Read(ref _misses);

    public long BytesRead => Interlocked.Read(ref _bytesRead);

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

    /// <summary>MD5 of a regular file, or null when it cannot be read. Never throws for I/O reasons.</summary>
    public byte[]? GetMd5(string path)
    {
        if (!Interop.TryStatx(path, out var pre) || (pre.stx_mode & 0xF000) != 0x8000)
        {
            return null;
        }

        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        using (handle)
        {
            if (!FileIdentity.TryGet(handle, out var identity))
            {
                return null;
            }

            lock (_gate)
            {
                if (_entries.TryGetValue(identity, out var cached))
                {
                    Interlocked.Increment(ref _hits);
                    return cached;
                }
            }

            Interlocked.Increment(ref _misses);
            var digest = Hash(handle);
            if (digest is not null && FileIdentity.TryGet(handle, out var after) && after == identity)
            {
                lock (_gate)
                {
                    // Full: stop adding rather than evict; a scan touches each file once, so LRU buys nothing here.
                    if (_entries.Count < Capacity)
                    {
                        _entries[identity] = digest;
                    }
                }
            }

            return digest;
        }
    }

    /// <summary>Writes the cache as text lines; a partial write leaves the previous file (write then rename).</summary>
    public void Save(string path)
    {
        var builder = new StringBuilder();
        builder.Append(Header).Append('\n');
        lock (_gate)
        {
            foreach (var (id, digest) in _entries)
            {
                builder.Append(CultureInfo.InvariantCulture,
                    $"{id.Device} {id.Inode} {id.Size} {id.MtimeSeconds} {id.MtimeNanoseconds} {id.CtimeSeconds} {id.CtimeNanoseconds} {Convert.ToHexStringLower(digest)}\n");
            }
        }

        var temporary = path + ".tmp";
        File.WriteAllText(temporary, builder.ToString());
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Loads a saved cache; returns the number of entries read (0 for a missing file). Bad lines are skipped and counted.</summary>
    public int Load(string path, out int malformed)
    {
        malformed = 0;
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }

        var span = text.AsSpan();
        var first = span.IndexOf('\n');
        if (first < 0 || !span[..first].SequenceEqual(Header))
        {
            malformed = 1;
            return 0;
        }

        span = span[(first + 1)..];
        var loaded = 0;
        lock (_gate)
        {
            while (!span.IsEmpty && _entries.Count < Capacity)
            {
                var end = span.IndexOf('\n');
                var line = end < 0 ? span : span[..end];
                span = end < 0 ? [] : span[(end + 1)..];
                if (line.IsEmpty)
                {
                    continue;
                }

                if (TryParseLine(line, out var identity, out var digest))
                {
                    _entries[identity] = digest;
                    loaded++;
                }
                else
                {
                    malformed++;
                }
            }
        }

        return loaded;
    }

    internal static bool TryParseLine(ReadOnlySpan<char> line, out FileIdentity identity, out byte[] digest)
    {
        identity = default;
        digest = [];
        Span<Range> parts = stackalloc Range[9];
        if (line.Split(parts, ' ') != 8)
        {
            return false;
        }

        var inv = CultureInfo.InvariantCulture;
        if (!ulong.TryParse(line[parts[0]], NumberStyles.None, inv, out var dev)
            || !ulong.TryParse(line[parts[1]], NumberStyles.None, inv, out var ino)
            || !long.TryParse(line[parts[2]], NumberStyles.None, inv, out var size)
            || !long.TryParse(line[parts[3]], NumberStyles.AllowLeadingSign, inv, out var mtime)
            || !uint.TryParse(line[parts[4]], NumberStyles.None, inv, out var mtimeNs)
            || !long.TryParse(line[parts[5]], NumberStyles.AllowLeadingSign, inv, out var ctime)
            || !uint.TryParse(line[parts[6]], NumberStyles.None, inv, out var ctimeNs)
            || line[parts[7]].Length != 32)
        {
            return false;
        }

        foreach (var c in line[parts[7]])
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        identity = new FileIdentity(dev, ino, size, mtime, mtimeNs, ctime, ctimeNs);
        digest = Convert.FromHexString(line[parts[7]]);
        return true;
    }

    private byte[]? Hash(SafeFileHandle handle)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            long offset = 0;
            int read;
            while ((read = RandomAccess.Read(handle, buffer.AsSpan(0, ChunkSize), offset)) > 0)
            {
                md5.AppendData(buffer, 0, read);
                offset += read;
            }

            Interlocked.Add(ref _bytesRead, offset);
            return md5.GetHashAndReset();
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
}
