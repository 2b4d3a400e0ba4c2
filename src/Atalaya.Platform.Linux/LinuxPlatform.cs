using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Hashing;
using Atalaya.Platform.Linux.Host;
using Atalaya.Platform.Linux.Network;
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
        var groups = new GroupNameResolver();

        // The sensor ladder for processes: the netlink connector when the kernel accepts it (root, initial
        // pid namespace), else /proc polling. The probe's reason is kept for status.
        var connectorOptions = new NetlinkProcessCollectorOptions { ProcRoot = options.ProcRoot };
        string? processFallbackReason = null;
        IProcessSensor processes = options.PreferProcessConnector && NetlinkProcessCollector.Probe(connectorOptions, out processFallbackReason)
            ? new NetlinkProcessCollector(connectorOptions, time, host, hashes, users, groups)
            : new ProcfsProcessCollector(
                new ProcfsProcessCollectorOptions { Interval = options.ProcessInterval, ProcRoot = options.ProcRoot },
                time, host, hashes, users, groups);
        var hidden = new HiddenProcessCollector(new HiddenProcessCollectorOptions { ProcRoot = options.ProcRoot }, time, host);
        var network = new ProcNetConnectionCollector(
            new ProcNetConnectionCollectorOptions { Interval = options.NetworkInterval, ProcRoot = options.ProcRoot },
            time,
            host.Host);
        return new LinuxSensors(host.Host, [processes, network, hidden], [processes, network])
        {
            ProcessSensorFallbackReason = processes is ProcfsProcessCollector ? processFallbackReason ?? "disabled by configuration" : null,
        };
    }
}

/// <summary>Settings the composition root passes to the Linux sensors.</summary>
public sealed record LinuxPlatformOptions
{
    public TimeSpan ProcessInterval { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan NetworkInterval { get; init; } = TimeSpan.FromSeconds(1);

    public string ProcRoot { get; init; } = "/proc";

    /// <summary>Try the netlink process connector before falling back to polling.</summary>
    public bool PreferProcessConnector { get; init; } = true;
}

/// <summary>What the platform offers the agent: long-running collectors and one-shot snapshot sources.</summary>
public sealed record LinuxSensors(HostFields Host, IReadOnlyList<IEventCollector> Collectors, IReadOnlyList<ISnapshotSource> SnapshotSources)
{
    /// <summary>Why the real-time process sensor is not active (null when it is).</summary>
    public string? ProcessSensorFallbackReason { get; init; }
}
