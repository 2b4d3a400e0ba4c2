using Atalaya.Core.Schema;
using Microsoft.Data.Sqlite;

namespace Atalaya.Storage;

/// <summary>
/// The two row writers on the single writer connection, prepared once and re-bound per row:
/// parsing the SQL per event would cost more than the insert itself. Not thread-safe; the store
/// calls it under its write lock.
/// </summary>
internal sealed class BatchWriter : IDisposable
{
    private const string InsertEventSql = """
        INSERT INTO events (ts, kind, category, action, dataset, pid, entity_id, executable, json)
        VALUES ($ts, $kind, $category, $action, $dataset, $pid, $entity_id, $executable, $json)
        """;

    // Re-scoring an entity updates its alert: everything moves to the newest version except
    // first_ts, which keeps when the alert was first raised.
    private const string UpsertAlertSql = """
        INSERT INTO alerts (alert_id, first_ts, ts, score, severity, verdict, rule_id, rule_name, pid, entity_id, executable, json)
        VALUES ($alert_id, $ts, $ts, $score, $severity, $verdict, $rule_id, $rule_name, $pid, $entity_id, $executable, $json)
        ON CONFLICT(alert_id) DO UPDATE SET
            ts = excluded.ts,
            score = excluded.score,
            severity = excluded.severity,
            verdict = excluded.verdict,
            rule_id = excluded.rule_id,
            rule_name = excluded.rule_name,
            pid = excluded.pid,
            entity_id = excluded.entity_id,
            executable = excluded.executable,
            json = excluded.json
        """;

    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _insertEvent;
    private readonly SqliteCommand _upsertAlert;

    public BatchWriter(SqliteConnection connection)
    {
        _connection = connection;
        _insertEvent = Create(connection, InsertEventSql,
            ("$ts", SqliteType.Integer), ("$kind", SqliteType.Text), ("$category", SqliteType.Text),
            ("$action", SqliteType.Text), ("$dataset", SqliteType.Text), ("$pid", SqliteType.Integer),
            ("$entity_id", SqliteType.Text), ("$executable", SqliteType.Text), ("$json", SqliteType.Text));
        _upsertAlert = Create(connection, UpsertAlertSql,
            ("$alert_id", SqliteType.Text), ("$ts", SqliteType.Integer), ("$score", SqliteType.Integer),
            ("$severity", SqliteType.Text), ("$verdict", SqliteType.Text), ("$rule_id", SqliteType.Text),
            ("$rule_name", SqliteType.Text), ("$pid", SqliteType.Integer), ("$entity_id", SqliteType.Text),
            ("$executable", SqliteType.Text), ("$json", SqliteType.Text));
    }

    /// <summary>Writes the whole batch or nothing: any failure rolls the transaction back before it propagates.</summary>
    public void Write(IReadOnlyList<EcsEvent> batch)
    {
        using var transaction = _connection.BeginTransaction();
        _insertEvent.Transaction = transaction;
        _upsertAlert.Transaction = transaction;
        foreach (var item in batch)
        {
            if (item.Event.Kind == EventKinds.Alert)
            {
                WriteAlert(item);
            }
            else
            {
                WriteEvent(item);
            }
        }

        transaction.Commit();
    }

    public void Dispose()
    {
        _insertEvent.Dispose();
        _upsertAlert.Dispose();
    }

    private void WriteEvent(EcsEvent item)
    {
        var p = _insertEvent.Parameters;
        p[0].Value = item.Timestamp.ToUnixTimeMilliseconds();
        p[1].Value = item.Event.Kind;
        p[2].Value = Nullable(item.Event.Category.Count > 0 ? item.Event.Category[0] : null);
        p[3].Value = Nullable(item.Event.Action);
        p[4].Value = Nullable(item.Event.Dataset);
        p[5].Value = Nullable(item.Process?.Pid);
        p[6].Value = Nullable(item.Process?.EntityId);
        p[7].Value = Nullable(item.Process?.Executable);
        p[8].Value = EcsJson.Serialize(item);
        _insertEvent.ExecuteNonQuery();
    }

    private void WriteAlert(EcsEvent item)
    {
        // An alert without an id still needs a stable key; the chosen one is written into the
        // stored document so readers (respond, the dashboard) can name the alert.
        var alertId = item.Atalaya?.AlertId;
        if (alertId is null)
        {
            alertId = item.Event.Id ?? Guid.NewGuid().ToString("N");
            item = item with { Atalaya = (item.Atalaya ?? new AtalayaFields()) with { AlertId = alertId } };
        }

        var p = _upsertAlert.Parameters;
        p[0].Value = alertId;
        p[1].Value = item.Timestamp.ToUnixTimeMilliseconds();
        p[2].Value = Nullable(item.Event.RiskScore);
        p[3].Value = Nullable(item.Atalaya?.Severity);
        p[4].Value = Nullable(item.Atalaya?.Verdict);
        p[5].Value = Nullable(item.Rule?.Id);
        p[6].Value = Nullable(item.Rule?.Name);
        p[7].Value = Nullable(item.Process?.Pid);
        p[8].Value = Nullable(item.Process?.EntityId);
        p[9].Value = Nullable(item.Process?.Executable);
        p[10].Value = EcsJson.Serialize(item);
        _upsertAlert.ExecuteNonQuery();
    }

    private static object Nullable(object? value) => value ?? DBNull.Value;

    private static SqliteCommand Create(SqliteConnection connection, string sql, params (string Name, SqliteType Type)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, type) in parameters)
        {
            command.Parameters.Add(name, type);
        }

        command.Prepare();
        return command;
    }
}
