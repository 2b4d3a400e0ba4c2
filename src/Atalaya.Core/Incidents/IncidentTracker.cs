using Atalaya.Core.Schema;

namespace Atalaya.Core.Incidents;

/// <summary>
/// Keeps incidents current as alerts arrive during <c>run</c>: the latest version of every recent
/// alert (by <c>atalaya.alert_id</c>) is correlated again on each batch with
/// <see cref="IncidentCorrelator"/>, and the incidents that contain an alert of the batch are
/// returned to be upserted. An incident id follows its first alert, so a growing incident keeps its
/// id; when two incidents merge, the one that lost its id is returned for deletion. Memory is bounded:
/// alerts older than the horizon (default 24 h, far beyond the 5-minute gap that joins alerts) or
/// beyond the capacity are forgotten, oldest first; their stored incidents stay as they were.
/// </summary>
public sealed class IncidentTracker
{
    private readonly IncidentCorrelator _correlator;
    private readonly TimeSpan _horizon;
    private readonly int _capacity;
    private readonly Dictionary<string, EcsEvent> _alerts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _incidentOf = new(StringComparer.Ordinal);

    public IncidentTracker(TimeSpan? window = null, TimeSpan? horizon = null, int capacity = 10_000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _correlator = new IncidentCorrelator(window);
        _horizon = horizon ?? TimeSpan.FromHours(24);
        _capacity = capacity;
    }

    /// <summary>Alerts currently remembered.</summary>
    public int Count => _alerts.Count;

    public IncidentUpdate Add(IEnumerable<EcsEvent> alerts)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        var added = new HashSet<string>(StringComparer.Ordinal);
        foreach (var alert in alerts)
        {
            if (alert.Event.Kind != EventKinds.Alert || (alert.Atalaya?.AlertId ?? alert.Event.Id) is not { } id)
            {
                continue;
            }

            _alerts[id] = alert;
            added.Add(id);
        }

        if (added.Count == 0)
        {
            return IncidentUpdate.None;
        }

        Evict();
        var incidents = _correlator.Correlate(_alerts.Values);
        var current = incidents.Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
        var upserts = new List<Incident>();
        var deletes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var incident in incidents)
        {
            if (!incident.AlertIds.Any(added.Contains))
            {
                continue;
            }

            upserts.Add(incident);
            foreach (var alertId in incident.AlertIds)
            {
                if (_incidentOf.TryGetValue(alertId, out var previous) && previous != incident.Id && !current.Contains(previous))
                {
                    deletes.Add(previous);
                }

                _incidentOf[alertId] = incident.Id;
            }
        }

        return new IncidentUpdate(upserts, [.. deletes]);
    }

    private void Evict()
    {
        var newest = _alerts.Values.Max(a => a.Timestamp);
        var expired = _alerts.Where(kv => newest - kv.Value.Timestamp > _horizon).Select(kv => kv.Key).ToList();
        if (_alerts.Count - expired.Count > _capacity)
        {
            expired.AddRange(_alerts.Where(kv => newest - kv.Value.Timestamp <= _horizon)
                .OrderBy(kv => kv.Value.Timestamp)
                .Take(_alerts.Count - expired.Count - _capacity)
                .Select(kv => kv.Key));
        }

        foreach (var id in expired)
        {
            _alerts.Remove(id);
            _incidentOf.Remove(id);
        }
    }
}

/// <summary>Incidents to write (new or grown) and ids to remove (merged into another).</summary>
public sealed record IncidentUpdate(IReadOnlyList<Incident> Upserts, IReadOnlyList<string> Deletes)
{
    public static readonly IncidentUpdate None = new([], []);
}
