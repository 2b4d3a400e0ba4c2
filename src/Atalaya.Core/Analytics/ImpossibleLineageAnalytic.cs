using Atalaya.Core.Schema;

namespace Atalaya.Core.Analytics;

/// <summary>
/// A parent→child pair that legitimate systems do not produce (the catalog's <c>impossible_lineage</c>):
/// a daemon that never starts programs having a child (code running inside it, T1055), cron or sshd
/// directly starting a system daemon (a disguised backdoor, T1036.005). Only the direct parent is
/// compared, and a program forking or re-executing itself (chronyd daemonising, sshd's privilege
/// separation) never matches. Confidence stays below certainty: a host's own wrappers can rename things.
/// </summary>
public sealed class ImpossibleLineageAnalytic : IAnalytic
{
    public const string AnalyticId = "atalaya.analytic.impossible-lineage";

    private readonly SystemBinaryCatalog _catalog;
    private readonly SeenOnce _seen = new();

    public ImpossibleLineageAnalytic(SystemBinaryCatalog catalog) => _catalog = catalog;

    public string Id => AnalyticId;

    public string Name => "Parent and child that legitimate systems never pair";

    public IReadOnlyCollection<string> Categories { get; } = [EventCategories.Process];

    public void Observe(EcsEvent value, ISignalSink signals)
    {
        if (!ProcessSignals.IsLive(value) || _catalog.ImpossibleLineages.Count == 0)
        {
            return;
        }

        var process = value.Process!;
        if (ProcessSignals.ParentProgramName(process) is not { Length: > 0 } parent
            || ProcessSignals.ProgramName(process) is not { Length: > 0 } child
            || string.Equals(parent, child, StringComparison.Ordinal))
        {
            return;
        }

        foreach (var lineage in _catalog.ImpossibleLineages)
        {
            if (lineage.Matches(parent, child))
            {
                if (_seen.First(process, "lineage"))
                {
                    signals.Emit(ProcessSignals.Make(this, value, "pair", 70, 0.75, [lineage.Technique],
                        $"{parent} (pid {process.Parent!.Pid}) started {process.Executable ?? child}: {lineage.Why}"));
                }

                return;
            }
        }
    }
}
