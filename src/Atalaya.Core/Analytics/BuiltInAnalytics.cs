namespace Atalaya.Core.Analytics;

/// <summary>The analytics that ship with Atalaya, registered explicitly (no reflection scanning).</summary>
public static class BuiltInAnalytics
{
    public static IReadOnlyList<IAnalytic> Create(SystemBinaryCatalog catalog) =>
    [
        new MasqueradeAnalytic(catalog),
        new ExecutionPathAnalytic(),
        new ExposedListenerAnalytic(),
        new UserWritableEgressAnalytic(),
        new PersistenceChangeAnalytic(),
        new AccountChangeAnalytic(),
        new BruteForceAnalytic(),
        new LogTamperingAnalytic(),
        new ResourceHijackingAnalytic(),
    ];
}
