using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;

namespace Atalaya.Core.Storage;

/// <summary>
/// Durable storage for events, alerts and the agent's status. Alerts are upserted by
/// <c>atalaya.alert_id</c>: re-scoring an entity updates its alert instead of adding a row.
/// Implementations must be safe to call from one writer and several readers at once.
/// </summary>
public interface IEventStore : IDisposable
{
    /// <summary>Writes a batch in one transaction. Events with <c>event.kind: alert</c> go to the alerts table.</summary>
    void Append(IReadOnlyList<EcsEvent> batch);

    /// <summary>Alerts updated at or after <see cref="AlertQuery.Since"/>, newest first.</summary>
    IReadOnlyList<EcsEvent> QueryAlerts(AlertQuery query);

    /// <summary>Events (not alerts) at or after <see cref="EventQuery.Since"/>, newest first.</summary>
    IReadOnlyList<EcsEvent> QueryEvents(EventQuery query);

    void SaveStatus(AgentStatus status);

    AgentStatus? LoadStatus();

    StoreStatistics GetStatistics();

    /// <summary>Deletes events older than the cutoff; returns how many rows went.</summary>
    long DeleteEventsBefore(DateTimeOffset cutoff);
}

/// <summary>What <see cref="IEventStore.QueryAlerts"/> returns.</summary>
public sealed record AlertQuery(DateTimeOffset? Since = null, int Limit = 1000, int? MinimumScore = null);

/// <summary>What <see cref="IEventStore.QueryEvents"/> returns.</summary>
public sealed record EventQuery(
    DateTimeOffset? Since = null,
    int Limit = 1000,
    string? Category = null,
    int? Pid = null,
    string? Dataset = null);

/// <summary>Sizes the store reports about itself.</summary>
public sealed record StoreStatistics(long EventCount, long AlertCount, long DatabaseBytes, int SchemaVersion);
