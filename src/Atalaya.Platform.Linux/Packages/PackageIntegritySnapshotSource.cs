using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Files;
using Atalaya.Platform.Linux.Hashing;
using Atalaya.Platform.Linux.Host;

namespace Atalaya.Platform.Linux.Packages;

/// <summary>
/// <c>atalaya scan</c>'s package check: every executable regular file in the system binary directories
/// (/usr/bin, /usr/sbin, and /bin, /sbin when they are real directories rather than /usr-merge
/// symlinks) is compared with its package's recorded digest. Reports, as <c>event.kind: state</c>, the
/// files that differ (<c>package-file-modified</c>) and the executables no package owns
/// (<c>unowned-executable</c>); verified files are only counted. MD5s are cached by file identity and
/// the cache is saved to <see cref="CachePath"/>, so a second scan reads only what changed.
/// </summary>
public sealed class PackageIntegritySnapshotSource : ISnapshotSource
{
    public static IReadOnlyList<string> DefaultDirectories { get; } = ["/usr/bin", "/usr/sbin", "/bin", "/sbin"];

    private readonly IPackageDatabase _packages;
    private readonly HostFields? _host;
    private readonly ExecutableHashCache _hashes;
    private readonly UserNameResolver _users;
    private readonly TimeProvider _time;
    private readonly string _root;
    private readonly IReadOnlyList<string> _directories;

    public PackageIntegritySnapshotSource(IPackageDatabase packages, HostFields? host, ExecutableHashCache hashes, UserNameResolver users,
        TimeProvider time, string root = "/", IReadOnlyList<string>? directories = null, string? cachePath = null)
    {
        _packages = packages;
        _host = host;
        _hashes = hashes;
        _users = users;
        _time = time;
        _root = root.Length > 1 ? root.TrimEnd('/') : string.Empty;
        _directories = directories ?? DefaultDirectories;
        CachePath = cachePath;
    }

    public string Name => "package-integrity";

    /// <summary>Where the MD5 cache is loaded from and saved to; null keeps it in memory only.</summary>
    public string? CachePath { get; }

    public CollectorCounters Counters { get; } = new();

    public IReadOnlyList<EcsEvent> TakeSnapshot(CancellationToken cancellationToken)
    {
        var events = new List<EcsEvent>();
        if (!_packages.IsAvailable)
        {
            Counters.Increment("database-unavailable");
            return events;
        }

        var digests = (_packages as DpkgDatabase)?.Digests;
        if (CachePath is not null && digests is not null && digests.Count == 0)
        {
            Counters.Increment("cache-loaded", digests.Load(CachePath, out var malformed));
            Counters.Increment("cache-malformed", malformed);
        }

        foreach (var path in EnumerateExecutables(cancellationToken))
        {
            var verification = _packages.Verify(path);
            Counters.Increment("checked");
            Counters.Increment(verification.Status.ToString().ToLowerInvariant());
            var action = verification.Status switch
            {
                PackageVerificationStatus.Mismatch => FileActions.PackageFileModified,
                PackageVerificationStatus.NotOwned => FileActions.UnownedExecutable,
                _ => null,
            };
            if (action is not null)
            {
                events.Add(BuildEvent(path, action, verification));
            }
        }

        if (CachePath is not null && digests is not null)
        {
            try
            {
                digests.Save(CachePath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Counters.Increment("cache-save-failed");
            }
        }

        return events;
    }

    /// <summary>Host paths (without the root prefix) of executable regular files; symlinks are skipped (their targets are listed themselves).</summary>
    public IEnumerable<string> EnumerateExecutables(CancellationToken cancellationToken)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var directory in _directories)
        {
            var real = _root + directory;
            if (!Directory.Exists(real) || new DirectoryInfo(real).LinkTarget is not null)
            {
                continue;
            }

            IEnumerable<FileInfo> files;
            try
            {
                files = new DirectoryInfo(real).EnumerateFiles("*", new EnumerationOptions { IgnoreInaccessible = true, AttributesToSkip = 0 });
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            foreach (var file in files)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (file.LinkTarget is not null
                    || (file.UnixFileMode & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) == 0)
                {
                    continue;
                }

                var hostPath = string.Concat(directory, "/", file.Name);
                if (seen.Add(hostPath))
                {
                    yield return hostPath;
                }
            }
        }
    }

    private EcsEvent BuildEvent(string path, string action, PackageVerification verification)
    {
        var real = _root + path;
        var info = new FileInfo(real);
        string? owner = null;
        if (Interop.TryStatx(real, out var stat))
        {
            owner = _users.Resolve(stat.stx_uid);
        }

        var sha256 = _hashes.GetSha256(real);
        return new EcsEvent
        {
            Timestamp = _time.GetUtcNow(),
            Event = new EventFields
            {
                Kind = EventKinds.State,
                Category = [EventCategories.File],
                Type = [EventTypes.Info],
                Action = action,
                Dataset = Datasets.File,
                Module = "atalaya",
            },
            Host = _host,
            File = new FileFields
            {
                Path = path,
                Name = info.Name,
                Size = info.Exists ? info.Length : null,
                Mtime = info.Exists ? new DateTimeOffset(info.LastWriteTimeUtc) : null,
                Owner = owner,
                Mode = info.Exists ? "0" + Convert.ToString((int)info.UnixFileMode, 8) : null,
                Hash = sha256 is null ? null : new HashFields { Sha256 = sha256 },
            },
            Atalaya = new AtalayaFields
            {
                File = new AtalayaFileFields
                {
                    Package = verification.Owner?.Name,
                    PackageVerified = verification.Verified,
                    Executable = true,
                },
            },
        };
    }
}
