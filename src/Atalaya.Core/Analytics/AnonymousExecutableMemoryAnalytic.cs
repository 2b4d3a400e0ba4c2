using Atalaya.Core.Schema;

namespace Atalaya.Core.Analytics;

/// <summary>
/// Executable memory with no file behind it (T1055): shellcode, reflectively loaded code, an injected
/// payload. Runtimes with a JIT (Java, Node, .NET, browsers: the catalog) live on such memory and stay
/// quiet; for any other program it is an unusual, medium-weight fact sampled once per new process.
/// </summary>
public sealed class AnonymousExecutableMemoryAnalytic : IAnalytic
{
    public const string AnalyticId = "atalaya.analytic.anonymous-executable-memory";

    private readonly ProcessBehaviourCatalog _catalog;
    private readonly SeenOnce _seen = new();

    public AnonymousExecutableMemoryAnalytic(ProcessBehaviourCatalog catalog) => _catalog = catalog;

    public string Id => AnalyticId;

    public string Name => "Executable memory without a backing file";

    public IReadOnlyCollection<string> Categories { get; } = [EventCategories.Process];

    public void Observe(EcsEvent value, ISignalSink signals)
    {
        if (!ProcessSignals.IsLive(value) || value.Atalaya?.Process?.AnonymousExecutableRegions is not (> 0 and var regions))
        {
            return;
        }

        var process = value.Process!;
        if (_catalog.IsJitRuntime(ProcessSignals.ProgramName(process)) || _catalog.IsJitRuntime(process.Name) || !_seen.First(process, "anon"))
        {
            return;
        }

        signals.Emit(ProcessSignals.Make(this, value, "anonymous", 65, 0.75, [Techniques.ProcessInjection],
            $"{process.Executable ?? process.Name} has {regions} executable memory region(s) backed by no file, and it is not a runtime with a JIT"));
    }
}
