using Atalaya.Core.Schema;

namespace Atalaya.Core.Pipeline;

/// <summary>
/// The state of one part of the host right now, as <c>event.kind: state</c> events
/// (every running process, every socket). Used by <c>atalaya scan</c> and to seed a run.
/// </summary>
public interface ISnapshotSource
{
    string Name { get; }

    IReadOnlyList<EcsEvent> TakeSnapshot(CancellationToken cancellationToken);
}
