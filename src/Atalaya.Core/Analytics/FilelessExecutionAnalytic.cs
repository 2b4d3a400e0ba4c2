using Atalaya.Core.Schema;

namespace Atalaya.Core.Analytics;

/// <summary>
/// A program executed from memory (T1620): a memfd (memfd_create + fexecve) or a file in /dev/shm, so
/// nothing reaches a persistent disk. runc and crun re-execute themselves from a memfd on purpose
/// (CVE-2019-5736); their memfd names are in the catalog and stay quiet.
/// </summary>
public sealed class FilelessExecutionAnalytic : IAnalytic
{
    public const string AnalyticId = "atalaya.analytic.fileless-execution";

    private const string MemfdPrefix = "/memfd:";

    private readonly ProcessBehaviourCatalog _catalog;
    private readonly SeenOnce _seen = new();

    public FilelessExecutionAnalytic(ProcessBehaviourCatalog catalog) => _catalog = catalog;

    public string Id => AnalyticId;

    public string Name => "Program executed from memory";

    public IReadOnlyCollection<string> Categories { get; } = [EventCategories.Process];

    public void Observe(EcsEvent value, ISignalSink signals)
    {
        if (!ProcessSignals.IsLive(value) || value.Process!.Executable is not { Length: > 0 } executable)
        {
            return;
        }

        if (executable.StartsWith(MemfdPrefix, StringComparison.Ordinal))
        {
            var name = executable[MemfdPrefix.Length..];
            if (name.EndsWith(" (deleted)", StringComparison.Ordinal))
            {
                name = name[..^" (deleted)".Length];
            }

            if (!_catalog.IsAllowedMemfd(name) && _seen.First(value.Process, "memfd"))
            {
                signals.Emit(ProcessSignals.Make(this, value, "memfd", 85, 0.9, [Techniques.ReflectiveCodeLoading],
                    $"the program runs from an anonymous memory file ({executable}): it was never written to disk"));
            }

            return;
        }

        if ((value.Atalaya?.Process?.Fileless == true || executable.StartsWith("/dev/shm/", StringComparison.Ordinal))
            && _seen.First(value.Process, "shm"))
        {
            signals.Emit(ProcessSignals.Make(this, value, "shm", 70, 0.85, [Techniques.ReflectiveCodeLoading],
                $"the program runs from shared memory ({executable}), a RAM-only file system that leaves nothing after a reboot"));
        }
    }
}
