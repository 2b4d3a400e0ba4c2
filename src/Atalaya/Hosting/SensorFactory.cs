using Atalaya.Core.Pipeline;
using Atalaya.Platform.Linux;

namespace Atalaya.Cli.Hosting;

/// <summary>Chooses the platform's sensors. Only Linux sensors exist so far; other systems get a clear error.</summary>
internal static class SensorFactory
{
    /// <summary>
    /// <paramref name="dataDirectory"/> is never watched by the file sensor (its own writes would feed back as
    /// events) and holds the package digest cache that makes a second <c>atalaya scan</c> fast.
    /// </summary>
    public static HostSensors Create(AgentConfig config, TimeProvider time, string? dataDirectory = null)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new CliException($"no sensors for {Environment.OSVersion.Platform} yet: Atalaya collects on Linux only in this version");
        }

        var linux = LinuxPlatform.Create(
            new LinuxPlatformOptions
            {
                ProcessInterval = TimeSpan.FromSeconds(config.ProcessIntervalSeconds),
                NetworkInterval = TimeSpan.FromSeconds(config.NetworkIntervalSeconds),
                Audit = config.AuditEnabled,
                DataDirectory = dataDirectory,
                PackageDigestCachePath = dataDirectory is null ? null : Path.Combine(dataDirectory, "package-md5.cache"),
            },
            time);
        return new HostSensors(linux.Collectors, linux.SnapshotSources);
    }
}

/// <summary>The sensors the agent runs and the scan snapshots.</summary>
internal sealed record HostSensors(IReadOnlyList<IEventCollector> Collectors, IReadOnlyList<ISnapshotSource> SnapshotSources);
