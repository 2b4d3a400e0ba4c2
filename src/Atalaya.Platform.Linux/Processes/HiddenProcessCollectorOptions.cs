namespace Atalaya.Platform.Linux.Processes;

/// <summary>Settings of <see cref="HiddenProcessCollector"/>.</summary>
public sealed record HiddenProcessCollectorOptions
{
    public string ProcRoot { get; init; } = "/proc";

    /// <summary>Time between two sweeps.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Pids probed per sweep besides the parents of listed processes: the range up to pid_max is covered
    /// in slices so one sweep costs a few milliseconds even with pid_max at 4 million.
    /// </summary>
    public int SweepSize { get; init; } = 8192;
}
