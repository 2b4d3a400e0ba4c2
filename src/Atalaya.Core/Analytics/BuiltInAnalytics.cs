namespace Atalaya.Core.Analytics;

/// <summary>The analytics that ship with Atalaya, registered explicitly (no reflection scanning).</summary>
public static class BuiltInAnalytics
{
    public static IReadOnlyList<IAnalytic> Create(SystemBinaryCatalog catalog, ProcessBehaviourCatalog processes) =>
    [
        new MasqueradeAnalytic(catalog),
        new ExecutionPathAnalytic(),
        new ExposedListenerAnalytic(),
        new UserWritableEgressAnalytic(),
        new DeletedExecutableAnalytic(),
        new FilelessExecutionAnalytic(processes),
        new LdPreloadAnalytic(processes),
        new PtraceAttachAnalytic(processes),
        new AnonymousExecutableMemoryAnalytic(processes),
        new KernelThreadDisguiseAnalytic(),
        new HiddenProcessAnalytic(),
        new ServiceShellAnalytic(processes),
        new InterpreterInputAnalytic(processes),
    ];
}
