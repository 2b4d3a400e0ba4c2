namespace Atalaya.Core.Pipeline;

/// <summary>
/// A long-running source of events (one per file, <c>&lt;Source&gt;&lt;Kind&gt;Collector</c>).
/// The supervisor restarts it with backoff when <see cref="RunAsync"/> throws, so an
/// implementation may let unexpected exceptions escape; expected per-item faults (a process
/// that vanished, a malformed line) are counted in <see cref="Counters"/> and skipped.
/// </summary>
public interface IEventCollector
{
    /// <summary>Short source name: process, network, file...</summary>
    string Name { get; }

    /// <summary>Which sensor of the ladder is active, e.g. <c>procfs-polling</c>.</summary>
    string Sensor { get; }

    CollectorCounters Counters { get; }

    Task RunAsync(IEventPublisher output, CancellationToken cancellationToken);
}
