using System.Collections.Concurrent;
using Atalaya.Core.Pipeline;

namespace Atalaya.Platform.Linux.Packages;

/// <summary>
/// dpkg's view of the installed files, read from <c>{root}/var/lib/dpkg</c>: ownership from
/// <c>info/*.list</c> (with diversions applied), versions from <c>status</c>, digests from
/// <c>info/*.md5sums</c> loaded per package on first use. The path→package map is built on first use
/// and rebuilt when the info directory, the status file or the diversions file change (dpkg rewrites
/// all three on every install or removal), checked at most once per <see cref="RecheckInterval"/>.
/// Thread-safe: the built state is immutable and swapped whole.
/// </summary>
public sealed class DpkgDatabase : IPackageDatabase
{
    public static readonly TimeSpan RecheckInterval = TimeSpan.FromSeconds(2);

    private readonly string _root;
    private readonly string _infoDirectory;
    private readonly string _statusPath;
    private readonly string _diversionsPath;
    private readonly TimeProvider _time;
    private readonly Lock _buildGate = new();
    private State? _state;
    private long _checkedAt;

    public DpkgDatabase(string root = "/", FileDigestCache? digests = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(root);
        _root = root.Length > 1 ? root.TrimEnd('/') : string.Empty;
        _infoDirectory = _root + "/var/lib/dpkg/info";
        _statusPath = _root + "/var/lib/dpkg/status";
        _diversionsPath = _root + "/var/lib/dpkg/diversions";
        Digests = digests ?? new FileDigestCache();
        _time = time ?? TimeProvider.System;
    }

    public string Kind => "dpkg";

    public bool IsAvailable => Directory.Exists(_infoDirectory) && File.Exists(_statusPath);

    public FileDigestCache Digests { get; }

    /// <summary>malformed-lines, builds, md5sums-loaded...: reported with the collector that uses the database.</summary>
    public CollectorCounters Counters { get; } = new();

    /// <summary>Number of paths in the ownership map (after building it if needed).</summary>
    public int OwnedPathCount => CurrentState().Owners.Count;

    public PackageOwner? FindOwner(string path) => Lookup(CurrentState(), path, out _)?.Owner;

    public PackageVerification Verify(string path)
    {
        var state = CurrentState();
        var entry = Lookup(state, path, out _);
        if (entry is null)
        {
            return new PackageVerification(PackageVerificationStatus.NotOwned, null);
        }

        var digests = state.Md5Sums.GetOrAdd(entry.Owner.Key, LoadMd5Sums);
        if (!digests.TryGetValue(entry.DigestPath, out var expected)
            && !(state.Merged && UsrMerge.Alias(entry.DigestPath) is { } alias && digests.TryGetValue(alias, out expected)))
        {
            return new PackageVerification(PackageVerificationStatus.NoDigest, entry.Owner);
        }

        var actual = Digests.GetMd5(_root + path);
        if (actual is null)
        {
            return new PackageVerification(PackageVerificationStatus.Unreadable, entry.Owner);
        }

        return new PackageVerification(
            actual.AsSpan().SequenceEqual(expected) ? PackageVerificationStatus.Verified : PackageVerificationStatus.Mismatch,
            entry.Owner);
    }

    private static OwnerEntry? Lookup(State state, string path, out string matched)
    {
        matched = path;
        if (state.Owners.TryGetValue(path, out var entry))
        {
            return entry;
        }

        if (state.Merged && UsrMerge.Alias(path) is { } alias && state.Owners.TryGetValue(alias, out entry))
        {
            matched = alias;
            return entry;
        }

        return null;
    }

    private State CurrentState()
    {
        var state = Volatile.Read(ref _state);
        var now = _time.GetTimestamp();
        if (state is not null && _time.GetElapsedTime(Interlocked.Read(ref _checkedAt), now) < RecheckInterval)
        {
            return state;
        }

        lock (_buildGate)
        {
            state = _state;
            var stamp = ReadStamp();
            Interlocked.Exchange(ref _checkedAt, now);
            if (state is not null && state.Stamp == stamp)
            {
                return state;
            }

            state = Build(stamp);
            Volatile.Write(ref _state, state);
            Counters.Increment("dpkg-builds");
            return state;
        }
    }

    private (DateTime Info, DateTime Status, DateTime Diversions) ReadStamp() =>
        (Directory.GetLastWriteTimeUtc(_infoDirectory), File.GetLastWriteTimeUtc(_statusPath), File.GetLastWriteTimeUtc(_diversionsPath));

    private State Build((DateTime, DateTime, DateTime) stamp)
    {
        var packages = new Dictionary<string, DpkgPackage>(StringComparer.Ordinal);
        if (TryReadText(_statusPath) is { } statusText)
        {
            var parsed = new List<DpkgPackage>();
            Counters.Increment("dpkg-status-malformed", DpkgStatusParser.Parse(statusText, parsed));
            foreach (var package in parsed)
            {
                packages[package.InfoKey] = package;
            }
        }

        var diversions = new List<DpkgDiversion>();
        if (TryReadText(_diversionsPath) is { } diversionsText)
        {
            Counters.Increment("dpkg-diversions-malformed", DpkgDiversionsParser.Parse(diversionsText, diversions));
        }

        var diverted = new Dictionary<string, DpkgDiversion>(StringComparer.Ordinal);
        foreach (var diversion in diversions)
        {
            diverted[diversion.Original] = diversion;
        }

        var owners = new Dictionary<string, OwnerEntry>(StringComparer.Ordinal);
        var divertedListers = new List<(string Path, PackageOwner Owner)>();
        var paths = new List<string>();
        IEnumerable<string> lists;
        try
        {
            lists = Directory.EnumerateFiles(_infoDirectory, "*.list");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            lists = [];
        }

        foreach (var listPath in lists)
        {
            var key = Path.GetFileNameWithoutExtension(listPath);
            if (TryReadText(listPath) is not { } text)
            {
                Counters.Increment("dpkg-list-unreadable");
                continue;
            }

            paths.Clear();
            Counters.Increment("dpkg-list-malformed", DpkgListParser.Parse(text, paths));
            var owner = MakeOwner(key, packages);
            var entry = new OwnerEntry(owner, string.Empty);
            foreach (var path in paths)
            {
                if (diverted.ContainsKey(path))
                {
                    divertedListers.Add((path, owner));
                }
                else
                {
                    // Directories are listed by many packages; the first owner is as good as any.
                    owners.TryAdd(path, entry with { DigestPath = path });
                }
            }
        }

        // A diverted original belongs to the diverting package (or to nobody for a local diversion);
        // every other package's copy of it lives at the diverted-to path, digested under the original name.
        foreach (var (path, owner) in divertedListers)
        {
            var diversion = diverted[path];
            var isDiverter = diversion.Package is { } by && (by == owner.Name || by == owner.Key);
            owners[isDiverter ? path : diversion.DivertedTo] = new OwnerEntry(owner, path);
        }

        return new State(stamp, owners, UsrMerge.IsMerged(_root.Length == 0 ? "/" : _root));
    }

    private static PackageOwner MakeOwner(string key, Dictionary<string, DpkgPackage> packages)
    {
        var colon = key.IndexOf(':', StringComparison.Ordinal);
        var name = colon < 0 ? key : key[..colon];
        var version = packages.TryGetValue(key, out var package) ? package.Version : null;
        return new PackageOwner(name, key, version);
    }

    private Dictionary<string, byte[]> LoadMd5Sums(string key)
    {
        var digests = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        if (TryReadText(Path.Combine(_infoDirectory, key + ".md5sums")) is { } text)
        {
            Counters.Increment("dpkg-md5sums-malformed", DpkgMd5sumsParser.Parse(text, digests));
            Counters.Increment("dpkg-md5sums-loaded");
        }

        return digests;
    }

    private static string? TryReadText(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private sealed record OwnerEntry(PackageOwner Owner, string DigestPath);

    private sealed record State(
        (DateTime Info, DateTime Status, DateTime Diversions) Stamp,
        Dictionary<string, OwnerEntry> Owners,
        bool Merged)
    {
        public ConcurrentDictionary<string, Dictionary<string, byte[]>> Md5Sums { get; } = new(StringComparer.Ordinal);
    }
}
