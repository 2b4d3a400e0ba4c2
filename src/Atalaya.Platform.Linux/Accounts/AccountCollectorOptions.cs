namespace Atalaya.Platform.Linux.Accounts;

/// <summary>Settings of <see cref="AccountCollector"/>.</summary>
public sealed record AccountCollectorOptions
{
    /// <summary>Time between two reads of passwd, group, shadow, wtmp/btmp sizes and shell histories.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Prepended to every path read ("" on the live host).</summary>
    public string RootPrefix { get; init; } = "";
}
