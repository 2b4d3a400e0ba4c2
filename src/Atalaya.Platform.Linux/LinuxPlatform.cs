using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Hashing;
using Atalaya.Platform.Linux.Host;
using Atalaya.Platform.Linux.Network;
using Atalaya.Platform.Linux.Network.SockDiag;
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
        var processes = new ProcfsProcessCollector(
            new ProcfsProcessCollectorOptions { Interval = options.ProcessInterval, ProcRoot = options.ProcRoot },
            time,
            host,
            new ExecutableHashCache(),
            new UserNameResolver());
        IEventCollector network = (IEventCollector?)SockDiagConnectionCollector.TryCreate(
                new SockDiagConnectionCollectorOptions { Interval = options.NetworkInterval, ProcRoot = options.ProcRoot },
                time,
                host.Host,
                out _)
            ?? new ProcNetConnectionCollector(
                new ProcNetConnectionCollectorOptions { Interval = options.NetworkInterval, ProcRoot = options.ProcRoot },
                time,
                host.Host);
        return new LinuxSensors(host.Host, [processes, network], [processes, (ISnapshotSource)network]);
    }
}

/// <summary>Settings the composition root passes to the Linux sensors.</summary>
public sealed record LinuxPlatformOptions
{
    public TimeSpan ProcessInterval { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan NetworkInterval { get; init; } = TimeSpan.FromSeconds(1);

    public string ProcRoot { get; init; } = "/proc";
}

/// <summary>What the platform offers the agent: long-running collectors and one-shot snapshot sources.</summary>
public sealed record LinuxSensors(HostFields Host, IReadOnlyList<IEventCollector> Collectors, IReadOnlyList<ISnapshotSource> SnapshotSources);
