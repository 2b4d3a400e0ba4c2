using System.Text.Json;
using System.Text.Json.Serialization;
using Atalaya.Core.Incidents;
using Microsoft.Data.Sqlite;

namespace Atalaya.Storage;

/// <summary>The incidents table: upserted by the agent as alerts arrive, read by <c>atalaya incidents</c>.</summary>
public sealed partial class SqliteEventStore
{
    /// <summary>Upserts incidents by id and deletes the ids merged into others, in one transaction.</summary>
    public void SaveIncidents(IncidentUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        if (update.Upserts.Count == 0 && update.Deletes.Count == 0)
        {
            return;
        }

        WithWriter($"saving {update.Upserts.Count} incidents", connection =>
        {
            using var transaction = connection.BeginTransaction();
            using (var delete = connection.CreateCommand())
            {
                delete.Transaction = transaction;
                delete.CommandText = "DELETE FROM incidents WHERE incident_id = $id";
                var id = delete.Parameters.Add("$id", SqliteType.Text);
                foreach (var gone in update.Deletes)
                {
                    id.Value = gone;
                    delete.ExecuteNonQuery();
                }
            }

            using (var upsert = connection.CreateCommand())
            {
                upsert.Transaction = transaction;
                upsert.CommandText = """
                    INSERT INTO incidents (incident_id, first_ts, last_ts, score, verdict, severity, root_pid, root_executable, alert_ids, domains, timeline)
                    VALUES ($id, $first, $last, $score, $verdict, $severity, $pid, $exe, $alerts, $domains, $timeline)
                    ON CONFLICT(incident_id) DO UPDATE SET
                        first_ts = excluded.first_ts, last_ts = excluded.last_ts, score = excluded.score, verdict = excluded.verdict,
                        severity = excluded.severity, root_pid = excluded.root_pid, root_executable = excluded.root_executable,
                        alert_ids = excluded.alert_ids, domains = excluded.domains, timeline = excluded.timeline
                    """;
                foreach (var incident in update.Upserts)
                {
                    upsert.Parameters.Clear();
                    upsert.Parameters.AddWithValue("$id", incident.Id);
                    upsert.Parameters.AddWithValue("$first", incident.Start.ToUnixTimeMilliseconds());
                    upsert.Parameters.AddWithValue("$last", incident.End.ToUnixTimeMilliseconds());
                    upsert.Parameters.AddWithValue("$score", incident.Score);
                    upsert.Parameters.AddWithValue("$verdict", incident.Verdict);
                    upsert.Parameters.AddWithValue("$severity", (object?)incident.Severity ?? DBNull.Value);
                    upsert.Parameters.AddWithValue("$pid", (object?)incident.Root?.Pid ?? DBNull.Value);
                    upsert.Parameters.AddWithValue("$exe", (object?)incident.Root?.Executable ?? DBNull.Value);
                    upsert.Parameters.AddWithValue("$alerts", JsonSerializer.Serialize(incident.AlertIds, IncidentJson.Default.IReadOnlyListString));
                    upsert.Parameters.AddWithValue("$domains", JsonSerializer.Serialize(incident.Domains, IncidentJson.Default.IReadOnlyListString));
                    upsert.Parameters.AddWithValue("$timeline", JsonSerializer.Serialize(incident.Timeline, IncidentJson.Default.IReadOnlyListIncidentTimelineEntry));
                    upsert.ExecuteNonQuery();
                }
            }

            transaction.Commit();
        });
    }

    /// <summary>Incidents last seen at or after <paramref name="since"/>, most recent first. A row that no longer parses is skipped and counted.</summary>
    public IReadOnlyList<Incident> ListIncidents(DateTimeOffset? since = null, int limit = 1000) =>
        WithReader("reading incidents", connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = """
                SELECT incident_id, first_ts, last_ts, score, verdict, severity, root_pid, root_executable, alert_ids, domains, timeline
                FROM incidents WHERE last_ts >= $since ORDER BY last_ts DESC, incident_id LIMIT $limit
                """;
            command.Parameters.AddWithValue("$since", since?.ToUnixTimeMilliseconds() ?? long.MinValue);
            command.Parameters.AddWithValue("$limit", limit);
            using var reader = command.ExecuteReader();
            var incidents = new List<Incident>();
            while (reader.Read())
            {
                try
                {
                    incidents.Add(new Incident
                    {
                        Id = reader.GetString(0),
                        Start = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)),
                        End = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)),
                        Score = reader.GetInt32(3),
                        Verdict = reader.GetString(4),
                        Severity = NullableString(reader, 5),
                        Root = reader.IsDBNull(6) ? null : new IncidentProcess(reader.GetInt32(6), NullableString(reader, 7)),
                        AlertIds = JsonSerializer.Deserialize(reader.GetString(8), IncidentJson.Default.IReadOnlyListString) ?? [],
                        Domains = JsonSerializer.Deserialize(reader.GetString(9), IncidentJson.Default.IReadOnlyListString) ?? [],
                        Timeline = JsonSerializer.Deserialize(reader.GetString(10), IncidentJson.Default.IReadOnlyListIncidentTimelineEntry) ?? [],
                    });
                }
                catch (JsonException)
                {
                    Interlocked.Increment(ref _unreadableIncidents);
                }
            }

            return (IReadOnlyList<Incident>)incidents;
        });

    /// <summary>Incident rows skipped because their JSON columns did not parse.</summary>
    public long UnreadableIncidents => Interlocked.Read(ref _unreadableIncidents);

    private long _unreadableIncidents;
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(IReadOnlyList<IncidentTimelineEntry>))]
internal sealed partial class IncidentJson : JsonSerializerContext;
