namespace Atalaya.Platform.Linux.Persistence;

/// <summary>Settings of <see cref="PersistenceCollector"/>.</summary>
public sealed record PersistenceCollectorOptions
{
    /// <summary>Time between two inventories. A full inventory costs tens of milliseconds, so 30 s is cheap.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Prepended to every path read ("" on the live host; tests point it at a fake tree).</summary>
    public string RootPrefix { get; init; } = "";
}
