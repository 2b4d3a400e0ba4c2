using System.Globalization;
using Atalaya.Core.Analytics;
using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Hashing;
using Atalaya.Platform.Linux.Host;
using Atalaya.Platform.Linux.Packages;

namespace Atalaya.Platform.Linux.Files;

/// <summary>
/// Turns a coalesced change into an ECS file event: stats the file now (size, mtime, mode, owner),
/// hashes executables and small files (through the shared hash cache), names the owning package and,
/// for a package-owned regular file, verifies it against the package's digest. Runs off the kernel
/// reading thread: hashing must never delay reading the queue.
/// </summary>
internal sealed class FileEventFactory
{
    private const int S_IFMT = 0xF000;
    private const int S_IFREG = 0x8000;
    private const int AnyExecuteBit = 0x49;

    private readonly HostFields? _host;
    private readonly ExecutableHashCache _hashes;
    private readonly UserNameResolver _users;
    private readonly IPackageDatabase? _packages;
    private readonly PackageManagerActivity? _activity;
    private readonly FileMonitorOptions _options;
    private readonly CollectorCounters _counters;

    public FileEventFactory(HostFields? host, ExecutableHashCache hashes, UserNameResolver users, IPackageDatabase? packages,
        PackageManagerActivity? activity, FileMonitorOptions options, CollectorCounters counters)
    {
        _host = host;
        _hashes = hashes;
        _users = users;
        _packages = packages is { IsAvailable: true } ? packages : null;
        _activity = activity;
        _options = options;
        _counters = counters;
    }

    public EcsEvent Build(CoalescedFileChange change, DateTimeOffset now)
    {
        var path = change.Path;
        long? size = null;
        DateTimeOffset? mtime = null;
        string? owner = null;
        string? mode = null;
        string? sha256 = null;
        bool? executable = null;
        var partial = change.WriterPartial;

        var exists = Interop.TryStatx(path, out var stat);
        var (types, action) = change.Classify(exists);
        if (exists)
        {
            var isRegular = (stat.stx_mode & S_IFMT) == S_IFREG;
            size = (long)stat.stx_size;
            mtime = DateTimeOffset.FromUnixTimeSeconds(stat.stx_mtime.tv_sec).AddTicks(stat.stx_mtime.tv_nsec / 100);
            owner = _users.Resolve(stat.stx_uid) ?? stat.stx_uid.ToString(CultureInfo.InvariantCulture);
            mode = "0" + Convert.ToString(stat.stx_mode & 0xFFF, 8);
            executable = isRegular ? (stat.stx_mode & AnyExecuteBit) != 0 : null;
            if (isRegular && (executable == true || size <= _options.SmallFileHashLimit))
            {
                sha256 = _hashes.GetSha256(path);
                if (sha256 is null)
                {
                    _counters.Increment("hash-failed");
                }
            }
        }
        else if (change.ExistsAtEnd && !change.IsDirectory)
        {
            // Gone again between the last event and now (a short-lived temporary file).
            partial = true;
            _counters.Increment("file-gone-before-stat");
        }

        string? package = null;
        bool? verified = null;
        if (_packages is not null && !change.IsDirectory)
        {
            if (exists && size is not null && !WrittenByPackageManager(change))
            {
                var verification = _packages.Verify(path);
                package = verification.Owner?.Name;
                verified = verification.Verified;
                _counters.Increment("package-" + verification.Status.ToString().ToLowerInvariant());
            }
            else
            {
                package = _packages.FindOwner(path)?.Name;
            }
        }

        var name = Path.GetFileName(path);
        return new EcsEvent
        {
            Timestamp = now,
            Event = new EventFields
            {
                Kind = EventKinds.Event,
                Category = [EventCategories.File],
                Type = types,
                Action = action,
                Dataset = Datasets.File,
                Module = "atalaya",
            },
            Host = _host,
            Process = change.Writer ?? (change.WriterPid is { } pid ? new ProcessFields { Pid = pid } : null),
            File = new FileFields
            {
                Path = path,
                Name = name,
                Size = size,
                Mtime = mtime,
                Owner = owner,
                Mode = mode,
                Hash = sha256 is null ? null : new HashFields { Sha256 = sha256 },
            },
            Related = sha256 is null ? null : new RelatedFields { Hash = [sha256] },
            Atalaya = new AtalayaFields
            {
                Partial = partial ? true : null,
                Process = change.Writer is { Executable: { } writerExe } && _packages is not null
                    ? _packages.FindOwner(writerExe) is { } writerPackage
                        ? new AtalayaProcessFields { Package = writerPackage.Name, Packaged = true }
                        : new AtalayaProcessFields { Packaged = false }
                    : null,
                File = new AtalayaFileFields
                {
                    Package = package,
                    PackageVerified = verified,
                    OldPath = change.OldPath,
                    Executable = executable,
                    Coalesced = change.Count,
                },
            },
        };
    }

    /// <summary>
    /// The change was written by a package manager that is what it claims: named like one, and (where a
    /// package database exists) running a packaged executable. A /tmp/dpkg copied there by an attacker is
    /// named like dpkg but owned by no package, and keeps its writes reported one by one.
    /// </summary>
    public bool IsPackageManagerRun(CoalescedFileChange change)
    {
        if (!PackageManagerBatch.IsPackageManagerChange(change))
        {
            return false;
        }

        if (_packages is null)
        {
            return true;
        }

        var trusted = change.Writer?.Executable is { } executable && _packages.FindOwner(executable) is not null;
        if (!trusted)
        {
            _counters.Increment("package-manager-name-unpackaged");
        }

        return trusted;
    }

    /// <summary>
    /// One event for a package manager's run: counts, the first paths, the packages (from the writers'
    /// arguments and from the package database's owners of up to 256 of the files, asked now that the run
    /// has finished writing its file lists), and the first writer as the process. Nothing is hashed or
    /// verified here: mid-upgrade digests are stale, and <c>atalaya scan</c> verifies afterwards.
    /// </summary>
    public EcsEvent BuildBatch(PackageManagerBatch batch, DateTimeOffset now)
    {
        if (_packages is not null)
        {
            foreach (var path in batch.ProbePaths)
            {
                if (_packages.FindOwner(path) is { } owner)
                {
                    batch.AddPackage(owner.Name);
                }
            }
        }

        var writer = batch.Writers.Count > 0 ? batch.Writers[0] : null;
        return new EcsEvent
        {
            Timestamp = now,
            Event = new EventFields
            {
                Kind = EventKinds.Event,
                Category = [EventCategories.File, EventCategories.Package],
                Type = [EventTypes.Change],
                Action = FileActions.PackageManagerBatch,
                Dataset = Datasets.File,
                Module = "atalaya",
                Reason = $"{writer?.Name ?? "a package manager"} wrote {batch.Files} file(s) in watched places"
                         + (batch.Packages.Count > 0 ? $" for {string.Join(", ", batch.Packages.Take(5))}{(batch.Packages.Count > 5 ? $" and {batch.Packages.Count - 5} more" : "")}" : ""),
            },
            Host = _host,
            Process = writer,
            Atalaya = new AtalayaFields
            {
                File = new AtalayaFileFields
                {
                    Coalesced = (int)Math.Min(batch.RawEvents, int.MaxValue),
                    BatchCreated = batch.Created,
                    BatchModified = batch.Modified,
                    BatchDeleted = batch.Deleted,
                    BatchPackages = batch.Packages.Count > 0 ? [.. batch.Packages] : null,
                    BatchPaths = batch.SamplePaths.Count > 0 ? [.. batch.SamplePaths] : null,
                },
            },
        };
    }

    /// <summary>
    /// A package manager mid-install: its files do not match the old digests until it records the new
    /// ones, so verifying now would report every upgrade as tampering. Deferred to <c>atalaya scan</c>.
    /// </summary>
    private bool WrittenByPackageManager(CoalescedFileChange change)
    {
        if (change.Writer is { } writer)
        {
            return PackageManagers.IsPackageManager(writer.Name, writer.Executable);
        }

        return _activity?.IsActive() == true;
    }
}
