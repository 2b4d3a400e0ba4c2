using Atalaya.Core.Analytics;
using Atalaya.Core.Schema;

namespace Atalaya.Core.Enrichment;

/// <summary>
/// Remembers the live processes the process source reported, and completes other sources'
/// events with them: a socket's owner arrives with a pid and an executable, and leaves with the
/// process's entity id, command line, user, hash and parent, so its signals score together with
/// the process's own. Bounded; an unknown pid is left as the source reported it.
/// </summary>
public sealed class ProcessTableEnricher
{
    private readonly BoundedEntityMap<int, ProcessFields> _byPid;

    public ProcessTableEnricher(int capacity = 65_536) => _byPid = new BoundedEntityMap<int, ProcessFields>(capacity);

    public int Count => _byPid.Count;

    public long Enriched { get; private set; }

    public EcsEvent Enrich(EcsEvent value)
    {
        if (value.Process is not { } process)
        {
            return value;
        }

        if (value.Event.Category.Contains(EventCategories.Process))
        {
            if (value.Event.Type.Contains(EventTypes.End))
            {
                _byPid.Remove(process.Pid);
            }
            else
            {
                _byPid.Set(process.Pid, process);
            }

            return value;
        }

        if (process.EntityId is null && _byPid.TryGetValue(process.Pid, out var known)
            && (process.Executable is null || string.Equals(process.Executable, known.Executable, StringComparison.Ordinal)))
        {
            Enriched++;
            return value with { Process = known };
        }

        return value;
    }
}
