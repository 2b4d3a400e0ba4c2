using Atalaya.Core.Analytics.Network;

namespace Atalaya.Core.Analytics;

/// <summary>The analytics that ship with Atalaya, registered explicitly (no reflection scanning).</summary>
public static class BuiltInAnalytics
{
    public static IReadOnlyList<IAnalytic> Create(
        SystemBinaryCatalog catalog,
        ProcessBehaviourCatalog processes,
        PortCatalog? ports = null,
        BeaconingOptions? beaconing = null,
        ScanOptions? scans = null,
        InternalNetworks? internalNetworks = null) =>
    [
        new MasqueradeAnalytic(catalog),
        new ImpossibleLineageAnalytic(catalog),
        new RarityAnalytic(),
        new ExecutionPathAnalytic(),
        new ExposedListenerAnalytic(),
        new ListenerExposureAnalytic(ports),
        new UserWritableEgressAnalytic(internalNetworks),
        new DeletedExecutableAnalytic(),
        new FilelessExecutionAnalytic(processes),
        new LdPreloadAnalytic(processes),
        new PtraceAttachAnalytic(processes),
        new AnonymousExecutableMemoryAnalytic(processes),
        new KernelThreadDisguiseAnalytic(),
        new HiddenProcessAnalytic(),
        new ServiceShellAnalytic(processes),
        new InterpreterInputAnalytic(processes),
        new BeaconingAnalytic(beaconing),
        new InboundScanAnalytic(scans),
        new OutboundScanAnalytic(scans),
        new ReverseShellAnalytic(),
        new LongLivedConnectionAnalytic(),
        .. ports is null ? Array.Empty<IAnalytic>() : [new SuspiciousPortAnalytic(ports)],
        new ModifiedPackageFileAnalytic(),
        new UnownedSystemBinaryAnalytic(),
        new SensitiveFileWriteAnalytic(),
        new PersistenceChangeAnalytic(),
        new AccountChangeAnalytic(),
        new BruteForceAnalytic(),
        new LogTamperingAnalytic(),
        new ResourceHijackingAnalytic(),
    ];
}
