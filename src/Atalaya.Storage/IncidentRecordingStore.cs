using Atalaya.Core.Incidents;
using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;
using Atalaya.Core.Storage;

namespace Atalaya.Storage;

/// <summary>
/// The store the agent writes through: every batch goes to <see cref="SqliteEventStore"/> as before,
/// and the alerts in it update the stored incidents (<see cref="IncidentTracker"/>). An incident write
/// that fails is counted and kept: it goes again with the next batch that has alerts (the tracker has
/// already moved on, so a lost delete would leave a merged-away incident's row forever, and an
/// incident with no further alert would stay stale). It never fails the batch, whose events are
/// already stored.
/// </summary>
public sealed class IncidentRecordingStore(SqliteEventStore inner, IncidentTracker? tracker = null) : IEventStore
{
    private readonly IncidentTracker _tracker = tracker ?? new IncidentTracker();
    private readonly Lock _lock = new();

    // Unsaved upserts by incident id (the newest wins) and deletes; bounded for a store that keeps failing.
    private const int MaxUnsaved = 10_000;
    private readonly Dictionary<string, Incident> _unsaved = new(StringComparer.Ordinal);
    private readonly HashSet<string> _unsavedDeletes = new(StringComparer.Ordinal);

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
            if (_unsaved.Count + _unsavedDeletes.Count > 0)
            {
                foreach (var incident in update.Upserts)
                {
                    _unsaved[incident.Id] = incident;
                    _unsavedDeletes.Remove(incident.Id);
                }

                foreach (var gone in update.Deletes)
                {
                    _unsaved.Remove(gone);
                    _unsavedDeletes.Add(gone);
                }

                update = new IncidentUpdate([.. _unsaved.Values], [.. _unsavedDeletes]);
            }

            try
            {
                inner.SaveIncidents(update);
                _unsaved.Clear();
                _unsavedDeletes.Clear();
            }
            catch (StoreException ex)
            {
                IncidentWriteErrors++;
                LastIncidentError = ex.Message;
                if (update.Upserts.Count + update.Deletes.Count > MaxUnsaved)
                {
                    // Past the bound the backlog is dropped; the failures are counted above.
                    _unsaved.Clear();
                    _unsavedDeletes.Clear();
                    return;
                }

                foreach (var incident in update.Upserts)
                {
                    _unsaved[incident.Id] = incident;
                }

                _unsavedDeletes.UnionWith(update.Deletes);
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
