using Atalaya.Core.Schema;

namespace Atalaya.Platform.Linux.Host;

/// <summary>
/// Facts about this boot of this host that every process event needs: the boot id (part of every
/// entity id), the boot time and clock tick rate (to turn a start time in ticks into a date), and
/// the <c>host.*</c> fields. Read once at start; a reboot restarts the agent.
/// </summary>
public sealed class LinuxHostInfo
{
    public required string BootId { get; init; }

    /// <summary><c>btime</c> of /proc/stat: whole seconds, and it moves slightly after a suspend/resume.</summary>
    public required DateTimeOffset BootTime { get; init; }

    /// <summary>USER_HZ, the unit of start times in /proc/[pid]/stat.</summary>
    public required long ClockTicksPerSecond { get; init; }

    public required HostFields Host { get; init; }

    /// <summary>The moment a process started, from its <c>starttime</c> in clock ticks since boot.</summary>
    public DateTimeOffset StartTimeOf(ulong startTimeTicks) =>
        BootTime.AddTicks((long)(startTimeTicks * (ulong)TimeSpan.TicksPerSecond / (ulong)ClockTicksPerSecond));

    /// <summary>Reads the live host. Missing files leave fields null; a missing boot id falls back to btime.</summary>
    /// <param name="rootPrefix">Prepended to /proc and /etc paths; tests point it at a recorded tree.</param>
    public static LinuxHostInfo Read(string rootPrefix = "")
    {
        var root = rootPrefix.TrimEnd('/');
        var bootTimeSeconds = BootTimeParser.TryParse(ReadOrEmpty(root + "/proc/stat"), out var btime) ? btime : 0;
        var bootId = ReadOrEmpty(root + "/proc/sys/kernel/random/boot_id").Trim();
        if (bootId.Length == 0)
        {
            bootId = "btime-" + bootTimeSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var osReleaseText = ReadOrEmpty(root + "/etc/os-release");
        if (osReleaseText.Length == 0)
        {
            osReleaseText = ReadOrEmpty(root + "/usr/lib/os-release");
        }

        if (!OsReleaseParser.TryParse(osReleaseText, out var osRelease))
        {
            osRelease = new OsRelease();
        }

        return new LinuxHostInfo
        {
            BootId = bootId,
            BootTime = DateTimeOffset.FromUnixTimeSeconds(bootTimeSeconds),
            ClockTicksPerSecond = Interop.GetClockTicksPerSecond(),
            Host = BuildHostFields(
                NullIfEmpty(ReadOrEmpty(root + "/proc/sys/kernel/hostname").Trim()),
                NullIfEmpty(ReadOrEmpty(root + "/etc/machine-id").Trim()),
                osRelease,
                NullIfEmpty(ReadOrEmpty(root + "/proc/sys/kernel/osrelease").Trim())),
        };
    }

    /// <summary>
    /// host.id is the machine-id (stable across reboots, unique per install); host.os.family is the
    /// first ID_LIKE entry when present (ubuntu → debian), else ID.
    /// </summary>
    internal static HostFields BuildHostFields(string? hostname, string? machineId, OsRelease osRelease, string? kernel)
    {
        var idLike = osRelease.IdLike?.Trim();
        var family = string.IsNullOrEmpty(idLike) ? osRelease.Id : idLike.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        return new HostFields
        {
            Name = hostname,
            Id = machineId,
            Os = new HostOsFields
            {
                Type = "linux",
                Name = osRelease.Name,
                Version = osRelease.VersionId,
                Kernel = kernel,
                Family = family,
            },
        };
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    private static string ReadOrEmpty(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }
}
