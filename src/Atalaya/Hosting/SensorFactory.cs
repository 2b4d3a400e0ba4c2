using Atalaya.Core.Pipeline;
using Atalaya.Platform.Linux;

namespace Atalaya.Cli.Hosting;

/// <summary>Chooses the platform's sensors. Only Linux sensors exist so far; other systems get a clear error.</summary>
internal static class SensorFactory
{
    /// <summary>
    /// The long-running collectors of <c>run</c> and <c>baseline learn</c>. <paramref name="dataDirectory"/> is never
    /// watched by the file sensor (its own writes would feed back as events).
    /// </summary>
    public static LinuxSensors CreateCollectors(AgentConfig config, TimeProvider time, string? dataDirectory = null) =>
        LinuxPlatform.Create(Options(config, dataDirectory), time);

    /// <summary>
    /// The one-shot sources of <c>scan</c>, without setting up any real-time sensor. <paramref name="dataDirectory"/>
    /// holds the package digest cache that makes a second scan fast.
    /// </summary>
    public static IReadOnlyList<ISnapshotSource> CreateSnapshotSources(AgentConfig config, TimeProvider time, string? dataDirectory = null) =>
        LinuxPlatform.CreateSnapshotSources(Options(config, dataDirectory), time);

    private static LinuxPlatformOptions Options(AgentConfig config, string? dataDirectory)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new CliException($"no sensors for {Environment.OSVersion.Platform} yet: Atalaya collects on Linux only in this version");
        }

        return new LinuxPlatformOptions
        {
            ProcessInterval = TimeSpan.FromSeconds(config.ProcessIntervalSeconds),
            NetworkInterval = TimeSpan.FromSeconds(config.NetworkIntervalSeconds),
            Audit = config.AuditEnabled,
            DataDirectory = dataDirectory,
            PackageDigestCachePath = dataDirectory is null ? null : Path.Combine(dataDirectory, "package-md5.cache"),
        };
    }
}
