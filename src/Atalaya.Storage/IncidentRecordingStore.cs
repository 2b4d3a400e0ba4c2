using Atalaya.Core.Incidents;
using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;
using Atalaya.Core.Storage;

namespace Atalaya.Storage;

/// <summary>
/// The store the agent writes through: every batch goes to <see cref="SqliteEventStore"/> as before,
/// and the alerts in it update the stored incidents (<see cref="IncidentTracker"/>). An incident write
/// that fails is counted and the incident is written whole again with its next alert; it never fails
/// the batch, whose events are already stored.
/// </summary>
public sealed class IncidentRecordingStore(SqliteEventStore inner, IncidentTracker? tracker = null) : IEventStore
{
    private readonly IncidentTracker _tracker = tracker ?? new IncidentTracker();
    private readonly Lock _lock = new();

    public SqliteEventStore Inner => inner;

    public long IncidentWriteErrors { get; private set; }

    public string? LastIncidentError { get; private set; }

    public void Append(IReadOnlyList<EcsEvent> batch)
    {
        inner.Append(batch);
        var alerts = batch.Where(e => e.Event.Kind == EventKinds.Alert).ToList();
        if (alerts.Count == 0)
        {
            return;
        }

        lock (_lock)
        {
            var update = _tracker.Add(alerts);
            try
            {
                inner.SaveIncidents(update);
            }
            catch (StoreException ex)
            {
                IncidentWriteErrors++;
                LastIncidentError = ex.Message;
            }
        }
    }

    public IReadOnlyList<EcsEvent> QueryAlerts(AlertQuery query) => inner.QueryAlerts(query);

    public IReadOnlyList<EcsEvent> QueryEvents(EventQuery query) => inner.QueryEvents(query);

    public void SaveStatus(AgentStatus status) => inner.SaveStatus(status);

    public AgentStatus? LoadStatus() => inner.LoadStatus();

    public StoreStatistics GetStatistics() => inner.GetStatistics();

    public long DeleteEventsBefore(DateTimeOffset cutoff) => inner.DeleteEventsBefore(cutoff);

    /// <summary>The inner store is owned by whoever opened it.</summary>
    public void Dispose()
    {
    }
}
