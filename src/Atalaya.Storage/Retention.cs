using Microsoft.Data.Sqlite;

namespace Atalaya.Storage;

/// <summary>
/// Retention SQL, one short transaction per chunk so the agent's batches interleave with a long
/// clean-up instead of waiting behind it.
/// </summary>
internal static class Retention
{
    // SQLite builds without DELETE ... LIMIT by default, hence the sub-select; both walk the ts index.
    private const string DeleteBeforeSql =
        "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE ts < $cutoff ORDER BY ts LIMIT $chunk)";

    private const string DeleteOldestSql =
        "DELETE FROM events WHERE id IN (SELECT id FROM events ORDER BY ts, id LIMIT $chunk)";

    public static int DeleteChunkBefore(SqliteConnection connection, long cutoffMilliseconds, int chunk)
    {
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = DeleteBeforeSql;
        command.Parameters.AddWithValue("$cutoff", cutoffMilliseconds);
        command.Parameters.AddWithValue("$chunk", chunk);
        var deleted = command.ExecuteNonQuery();
        transaction.Commit();
        return deleted;
    }

    public static int DeleteOldestChunk(SqliteConnection connection, int chunk)
    {
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = DeleteOldestSql;
        command.Parameters.AddWithValue("$chunk", chunk);
        var deleted = command.ExecuteNonQuery();
        transaction.Commit();
        return deleted;
    }

    /// <summary>Bytes in pages that hold data: the file size minus pages on the freelist.</summary>
    public static long UsedBytes(SqliteConnection connection)
    {
        var pageSize = SqliteConnections.Scalar(connection, "PRAGMA page_size");
        var pages = SqliteConnections.Scalar(connection, "PRAGMA page_count");
        var free = SqliteConnections.Scalar(connection, "PRAGMA freelist_count");
        return (pages - free) * pageSize;
    }

    public static long FileBytes(SqliteConnection connection) =>
        SqliteConnections.Scalar(connection, "PRAGMA page_count") * SqliteConnections.Scalar(connection, "PRAGMA page_size");

    /// <summary>
    /// How many events to delete next to get from <paramref name="used"/> down to <paramref name="target"/>,
    /// from the average bytes per event. Alerts and the scattered pid/entity indexes make this an
    /// overestimate of the bytes an event frees, so the caller loops and re-measures.
    /// </summary>
    public static int EstimateRowsToDelete(SqliteConnection connection, long used, long target, int chunk)
    {
        // max(id) - min(id) is O(log n) where COUNT(*) would scan the table on every chunk.
        var approximateRows = SqliteConnections.Scalar(connection, "SELECT coalesce(max(id) - min(id) + 1, 0) FROM events");
        if (approximateRows <= 0)
        {
            return 0;
        }

        var bytesPerRow = Math.Max(1, used / approximateRows);
        var rows = (used - target + bytesPerRow - 1) / bytesPerRow;
        return (int)Math.Clamp(rows, 1, chunk);
    }

    /// <summary>
    /// Gives freed pages back to the filesystem (the file was created with auto_vacuum=INCREMENTAL,
    /// so no full VACUUM is needed) and folds the WAL into the database, truncating it to zero.
    /// A checkpoint blocked by an active reader is partial, not an error; the next call finishes it.
    /// </summary>
    public static void ReleaseSpace(SqliteConnection connection)
    {
        SqliteConnections.Execute(connection, "PRAGMA incremental_vacuum");
        SqliteConnections.Execute(connection, "PRAGMA wal_checkpoint(TRUNCATE)");
    }
}
