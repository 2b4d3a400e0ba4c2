namespace Atalaya.Platform.Linux.Services;

/// <summary>Settings of <see cref="ServiceCollector"/>.</summary>
public sealed record ServiceCollectorOptions
{
    /// <summary>How often <c>systemctl show</c> runs (one process, a few hundred units).</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A systemctl that has not answered in this long is killed (by its pid) and the read skipped.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(20);

    public string Systemctl { get; init; } = "/usr/bin/systemctl";

    /// <summary>Where /run is looked for (tests: a tree without /run/systemd/system).</summary>
    public string RootPrefix { get; init; } = "";
}
