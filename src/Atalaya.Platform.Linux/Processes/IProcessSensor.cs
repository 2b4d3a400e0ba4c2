using Atalaya.Core.Pipeline;

namespace Atalaya.Platform.Linux.Processes;

/// <summary>A rung of the process sensor ladder: a live collector that can also take a snapshot.</summary>
public interface IProcessSensor : IEventCollector, ISnapshotSource
{
}
