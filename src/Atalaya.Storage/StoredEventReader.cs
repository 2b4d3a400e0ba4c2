using System.Text;
using System.Text.Json;
using Atalaya.Core.Schema;
using Atalaya.Core.Storage;
using Microsoft.Data.Sqlite;

namespace Atalaya.Storage;

/// <summary>
/// Turns <see cref="AlertQuery"/> and <see cref="EventQuery"/> into SQL over the indexed columns and
/// the stored JSON back into events. Filters are fixed SQL fragments with bound values; nothing a
/// caller passes is spliced into the text.
/// </summary>
internal sealed class StoredEventReader
{
    private long _unreadableRows;

    /// <summary>Rows skipped because their JSON no longer parses as an event (hand edits, a bug in an old release).</summary>
    public long UnreadableRows => Interlocked.Read(ref _unreadableRows);

    public IReadOnlyList<EcsEvent> QueryAlerts(SqliteConnection connection, AlertQuery query)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1);
        using var command = connection.CreateCommand();
        var where = new List<string>();
        Filter(command, where, "ts >= $since", query.Since?.ToUnixTimeMilliseconds());
        Filter(command, where, "score >= $min_score", query.MinimumScore);

        // rowid breaks ties between alerts updated in the same millisecond, newest insert first.
        command.CommandText = Select("alerts", where, "ORDER BY ts DESC, rowid DESC");
        command.Parameters.AddWithValue("$limit", query.Limit);
        return Read(command);
    }

    public IReadOnlyList<EcsEvent> QueryEvents(SqliteConnection connection, EventQuery query)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1);
        using var command = connection.CreateCommand();
        var where = new List<string>();
        Filter(command, where, "ts >= $since", query.Since?.ToUnixTimeMilliseconds());
        Filter(command, where, "category = $category", query.Category);
        Filter(command, where, "pid = $pid", query.Pid);
        Filter(command, where, "dataset = $dataset", query.Dataset);
        command.CommandText = Select("events", where, "ORDER BY ts DESC, id DESC");
        command.Parameters.AddWithValue("$limit", query.Limit);
        return Read(command);
    }

    /// <summary>Adds one optional condition; the value is always a bound parameter, never spliced into SQL.</summary>
    private static void Filter(SqliteCommand command, List<string> where, string condition, object? value)
    {
        if (value is null)
        {
            return;
        }

        where.Add(condition);
        command.Parameters.AddWithValue(condition[(condition.IndexOf('$', StringComparison.Ordinal))..], value);
    }

    /// <summary>
    /// Parses one stored document, or counts it and returns null. A reader must keep going past a
    /// bad row: one damaged event must not hide every alert after it.
    /// </summary>
    public T? TryParse<T>(string json, Func<string, T?> parse)
        where T : class
    {
        try
        {
            var value = parse(json);
            if (value is null)
            {
                Interlocked.Increment(ref _unreadableRows);
            }

            return value;
        }
        catch (Exception exception) when (exception is JsonException or FormatException or InvalidOperationException or NotSupportedException)
        {
            Interlocked.Increment(ref _unreadableRows);
            return null;
        }
    }

    private static string Select(string table, List<string> where, string orderBy)
    {
        var sql = new StringBuilder("SELECT json FROM ").Append(table);
        if (where.Count > 0)
        {
            sql.Append(" WHERE ").AppendJoin(" AND ", where);
        }

        return sql.Append(' ').Append(orderBy).Append(" LIMIT $limit").ToString();
    }

    private List<EcsEvent> Read(SqliteCommand command)
    {
        var results = new List<EcsEvent>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            if (reader.IsDBNull(0))
            {
                Interlocked.Increment(ref _unreadableRows);
                continue;
            }

            if (TryParse(reader.GetString(0), EcsJson.Deserialize) is { } item)
            {
                results.Add(item);
            }
        }

        return results;
    }
}
