using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Accounts;
using Atalaya.Platform.Linux.Audit;
using Atalaya.Platform.Linux.Hashing;
using Atalaya.Platform.Linux.Host;
using Atalaya.Platform.Linux.Network;
using Atalaya.Platform.Linux.Network.Names;
using Atalaya.Platform.Linux.Network.SockDiag;
using Atalaya.Platform.Linux.Files;
using Atalaya.Platform.Linux.Packages;
using Atalaya.Platform.Linux.Persistence;
using Atalaya.Platform.Linux.Processes;
using Atalaya.Platform.Linux.Resources;
using Atalaya.Platform.Linux.Services;

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
        var shared = SharedState.Read();
        var (host, hashes, users, groups) = (shared.Host, shared.Hashes, shared.Users, shared.Groups);

        // The sensor ladder for processes: the kernel program (eBPF tracepoints) with the netlink connector
        // when both load (root, BTF, initial pid namespace), the connector alone when only it does, else
        // /proc polling. The reasons are kept for status.
        var connectorOptions = new NetlinkProcessCollectorOptions
        {
            ProcRoot = options.ProcRoot,
            Packages = shared.Packages,
            PreferKernelProgram = options.PreferKernelProgram,
        };
        string? processFallbackReason = null;
        IProcessSensor processes = options.PreferProcessConnector && NetlinkProcessCollector.Probe(connectorOptions, out processFallbackReason)
            ? new NetlinkProcessCollector(connectorOptions, time, host, hashes, users, groups)
            : CreateProcfsSensor(options, time, shared);
        var hidden = new HiddenProcessCollector(new HiddenProcessCollectorOptions { ProcRoot = options.ProcRoot }, time, host);
        // Names for addresses (DNS answers seen on the host, /etc/hosts, reverse DNS) live as long as the agent.
        var naming = new NetworkNaming("/", options.ProcRoot, time, ports: null, PackageOwner(shared),
            sniffDns: Environment.IsPrivilegedProcess);
        var network = CreateNetworkSensor(options, time, host.Host, naming.Enrich);
        var files = CreateFileSensor(options, time, host, hashes, users, shared.Packages);
        var integrity = CreateIntegritySource(options, time, shared);
        var persistence = CreatePersistenceSensor(options, time, shared);
        var accounts = new AccountCollector(new AccountCollectorOptions(), time, host.Host);
        var auth = new AuthLogCollector(new AuthLogCollectorOptions(), time, host.Host);
        var resources = new ResourceCollector(new ResourceCollectorOptions { ProcRoot = options.ProcRoot }, time, host.Host, host.BootId);
        var services = new ServiceCollector(new ServiceCollectorOptions(), time, host.Host, shared.Packages);
        var collectors = new List<IEventCollector> { processes, network, hidden, files, persistence, accounts, auth, resources, services };

        // The audit sensor needs CAP_AUDIT_CONTROL. It takes the audit subsystem only when no
        // daemon owns it, and otherwise reports "owned by pid N" in status and stays off.
        if (options.Audit && Environment.IsPrivilegedProcess)
        {
            // One exec, one start event: the connector and audit views meet in the correlator; audit's
            // connects give owners to connections too short for the network inventory.
            var correlator = new ExecCorrelator();
            if (processes is NetlinkProcessCollector connector)
            {
                connector.ExecCorrelator = correlator;
            }

            collectors.Add(new AuditCollector(new AuditCollectorOptions { Rules = options.AuditRules }, time, host, users)
            {
                ExecCorrelator = processes is NetlinkProcessCollector ? correlator : null,
                ConnectHints = (network as SockDiagConnectionCollector)?.ConnectHints,
            });
        }

        return new LinuxSensors(host.Host, collectors, [processes, (ISnapshotSource)network, integrity, persistence, accounts])
        {
            ProcessSensorFallbackReason = processes is ProcfsProcessCollector ? processFallbackReason ?? "disabled by configuration" : null,
            KernelProgramUnavailableReason = (processes as NetlinkProcessCollector)?.KernelProgramUnavailableReason,
            Naming = naming,
        };
    }

    /// <summary>
    /// Only what a one-shot assessment reads, in the order <see cref="Create"/> lists them. No real-time
    /// sensor is set up: no netlink connector probe, no fanotify or inotify marks, no audit session
    /// (the netlink process sensor's snapshot is the /proc walk anyway).
    /// </summary>
    public static IReadOnlyList<ISnapshotSource> CreateSnapshotSources(LinuxPlatformOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        var shared = SharedState.Read();
        return
        [
            CreateProcfsSensor(options, time, shared),
            (ISnapshotSource)CreateNetworkSensor(options, time, shared.Host.Host,
                new NetworkNaming("/", options.ProcRoot, time, ports: null, PackageOwner(shared), sniffDns: false, reverseDns: false).Enrich),
            CreateIntegritySource(options, time, shared),
            CreatePersistenceSensor(options, time, shared),
            new AccountCollector(new AccountCollectorOptions(), time, shared.Host.Host),
        ];
    }

    private static ProcfsProcessCollector CreateProcfsSensor(LinuxPlatformOptions options, TimeProvider time, SharedState shared) =>
        new(new ProcfsProcessCollectorOptions { Interval = options.ProcessInterval, ProcRoot = options.ProcRoot, Packages = shared.Packages },
            time, shared.Host, shared.Hashes, shared.Users, shared.Groups);

    /// <summary>sock_diag gives bytes and every TCP close; /proc/net is the fallback when the kernel refuses it.</summary>
    private static IEventCollector CreateNetworkSensor(LinuxPlatformOptions options, TimeProvider time, HostFields host, Func<EcsEvent, EcsEvent> enrich) =>
        (IEventCollector?)SockDiagConnectionCollector.TryCreate(
            new SockDiagConnectionCollectorOptions { Interval = options.NetworkInterval, ProcRoot = options.ProcRoot, Enrich = enrich },
            time,
            host,
            out _)
        ?? new ProcNetConnectionCollector(
            new ProcNetConnectionCollectorOptions { Interval = options.NetworkInterval, ProcRoot = options.ProcRoot, Enrich = enrich },
            time,
            host);

    private static PackageIntegritySnapshotSource CreateIntegritySource(LinuxPlatformOptions options, TimeProvider time, SharedState shared) =>
        new(shared.Packages, shared.Host.Host, shared.Hashes, shared.Users, time, cachePath: options.PackageDigestCachePath);

    private static PersistenceCollector CreatePersistenceSensor(LinuxPlatformOptions options, TimeProvider time, SharedState shared) =>
        new(new PersistenceCollectorOptions { Interval = options.PersistenceInterval },
            time,
            shared.Host.Host,
            shared.Hashes,
            packageOwner: path => shared.Packages.FindOwner(path)?.Name);

    /// <summary>The package owning a path, or null when no package database is readable (then nothing is claimed).</summary>
    private static Func<string, string?>? PackageOwner(SharedState shared) =>
        shared.Packages.IsAvailable ? path => shared.Packages.FindOwner(path)?.Name : null;

    /// <summary>The caches the sensors share, so one executable is hashed and one uid resolved once per agent.</summary>
    private sealed record SharedState(LinuxHostInfo Host, ExecutableHashCache Hashes, UserNameResolver Users, GroupNameResolver Groups, DpkgDatabase Packages)
    {
        public static SharedState Read() =>
            new(LinuxHostInfo.Read(), new ExecutableHashCache(), new UserNameResolver(), new GroupNameResolver(), new DpkgDatabase());
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

    /// <summary>Use the kernel audit subsystem for exact exec argv and every connect/accept (root only).</summary>
    public bool Audit { get; init; } = true;

    public AuditRuleOptions AuditRules { get; init; } = new();

    /// <summary>How often the persistence places (cron, systemd, rc files, authorized_keys...) are inventoried.</summary>
    public TimeSpan PersistenceInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Try the netlink process connector before falling back to polling.</summary>
    public bool PreferProcessConnector { get; init; } = true;

    /// <summary>With the connector: take fork, exec and exit from the kernel program when it loads.</summary>
    public bool PreferKernelProgram { get; init; } = true;

    /// <summary>The file integrity sensor's watch list and tuning.</summary>
    public FileMonitorOptions Files { get; init; } = new();

    /// <summary>The agent's data directory, never watched.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Where <c>atalaya scan</c> keeps MD5s of verified binaries between runs; null keeps them in memory.</summary>
    public string? PackageDigestCachePath { get; init; }
}

/// <summary>What the platform offers the agent: long-running collectors and one-shot snapshot sources.</summary>
public sealed record LinuxSensors(HostFields Host, IReadOnlyList<IEventCollector> Collectors, IReadOnlyList<ISnapshotSource> SnapshotSources)
    : IDisposable
{
    /// <summary>Why the real-time process sensor is not active (null when it is).</summary>
    public string? ProcessSensorFallbackReason { get; init; }

    /// <summary>Why the connector runs without the kernel program (null when the program runs or polling is used).</summary>
    public string? KernelProgramUnavailableReason { get; init; }

    /// <summary>Names for addresses; owns the DNS sniffer's socket and the reverse-DNS worker.</summary>
    public NetworkNaming? Naming { get; init; }

    public void Dispose() => Naming?.Dispose();
}
