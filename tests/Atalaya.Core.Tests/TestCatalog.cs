using Atalaya.Core.Analytics;

namespace Atalaya.Core.Tests;

/// <summary>The real catalog shipped in rules/, read from the repository so tests check the data we ship.</summary>
internal static class TestCatalog
{
    private static readonly Lazy<SystemBinaryCatalog> Shipped = new(() =>
        SystemBinaryCatalog.Parse(File.ReadAllText(Path.Combine(RepositoryRoot(), "rules", "catalogs", "system-binaries.yml"))));

    private static readonly Lazy<ProcessBehaviourCatalog> ShippedProcesses = new(() =>
        ProcessBehaviourCatalog.Parse(File.ReadAllText(Path.Combine(RepositoryRoot(), "rules", "catalogs", "process-behaviour.yml"))));

    public static SystemBinaryCatalog Get() => Shipped.Value;

    public static ProcessBehaviourCatalog Processes() => ShippedProcesses.Value;

    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Atalaya.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("repository root (Atalaya.slnx) not found above " + AppContext.BaseDirectory);
    }
}
