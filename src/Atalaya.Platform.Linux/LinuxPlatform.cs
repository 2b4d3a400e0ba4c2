using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Files;
using Atalaya.Platform.Linux.Hashing;
using Atalaya.Platform.Linux.Host;
using Atalaya.Platform.Linux.Network;
using Atalaya.Platform.Linux.Packages;
using Atalaya.Platform.Linux.Processes;

namespace Atalaya.Platform.Linux;

/// <summary>
/// The one place where the Linux sensors are registered (no reflection scanning). Later sensors of
/// the ladder (netlink process connector, audit, sock_diag, fanotify) are chosen here, falling back
/// to the polling sensors when the kernel or the privileges refuse them.
/// </summary>
public static class LinuxPlatform
{
    public static LinuxSensors Create(LinuxPlatformOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        var host = LinuxHostInfo.Read();
        var hashes = new ExecutableHashCache();
        var users = new UserNameResolver();
        var packages = new DpkgDatabase();
        var processes = new ProcfsProcessCollector(
            new ProcfsProcessCollectorOptions { Interval = options.ProcessInterval, ProcRoot = options.ProcRoot },
            time,
            host,
            hashes,
            users);
        var network = new ProcNetConnectionCollector(
            new ProcNetConnectionCollectorOptions { Interval = options.NetworkInterval, ProcRoot = options.ProcRoot },
            time,
            host.Host);
        var files = CreateFileSensor(options, time, host, hashes, users, packages);
        var integrity = new PackageIntegritySnapshotSource(packages, host.Host, hashes, users, time, cachePath: options.PackageDigestCachePath);
        return new LinuxSensors(host.Host, [processes, network, files], [processes, network, integrity]);
    }

    /// <summary>
    /// fanotify when the kernel and privileges allow it (it names the writer), else inotify. The data
    /// directory is always excluded: the store's own writes would otherwise feed back as events.
    /// </summary>
    public static IEventCollector CreateFileSensor(LinuxPlatformOptions options, TimeProvider time, LinuxHostInfo host,
        ExecutableHashCache hashes, UserNameResolver users, IPackageDatabase packages)
    {
        ArgumentNullException.ThrowIfNull(options);
        var fileOptions = options.Files with
        {
            ExcludedPaths = options.DataDirectory is { Length: > 0 } data ? [.. options.Files.ExcludedPaths, data] : options.Files.ExcludedPaths,
            ProcRoot = options.ProcRoot,
        };
        return FanotifyFileCollector.TryCreate(fileOptions, time, host, hashes, users, packages, out var reason) is { } fanotify
            ? fanotify
            : new InotifyFileCollector(fileOptions, time, host, hashes, users, packages) { FallbackReason = reason };
    }
}

/// <summary>Settings the composition root passes to the Linux sensors.</summary>
public sealed record LinuxPlatformOptions
{
    public TimeSpan ProcessInterval { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan NetworkInterval { get; init; } = TimeSpan.FromSeconds(1);

    public string ProcRoot { get; init; } = "/proc";

    /// <summary>The file integrity sensor's watch list and tuning.</summary>
    public FileMonitorOptions Files { get; init; } = new();

    /// <summary>The agent's data directory, never watched.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Where <c>atalaya scan</c> keeps MD5s of verified binaries between runs; null keeps them in memory.</summary>
    public string? PackageDigestCachePath { get; init; }
}

/// <summary>What the platform offers the agent: long-running collectors and one-shot snapshot sources.</summary>
public sealed record LinuxSensors(HostFields Host, IReadOnlyList<IEventCollector> Collectors, IReadOnlyList<ISnapshotSource> SnapshotSources);
