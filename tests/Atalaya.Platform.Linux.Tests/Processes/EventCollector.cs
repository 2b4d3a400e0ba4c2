using System.Collections.Concurrent;
using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;

namespace Atalaya.Platform.Linux.Tests.Processes;

/// <summary>Keeps every published event; thread-safe (the connector publishes from its own thread).</summary>
internal sealed class EventCollector : IEventPublisher
{
    private readonly ConcurrentQueue<EcsEvent> _events = new();

    public IReadOnlyList<EcsEvent> Events => [.. _events];

    public void Publish(EcsEvent value) => _events.Enqueue(value);

    public EcsEvent? Find(string action, int pid) => _events.FirstOrDefault(e => e.Event.Action == action && e.Process!.Pid == pid);
}
