using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Atalaya.Storage;

/// <summary>Connection strings and per-connection pragmas for the writer and the readers.</summary>
internal sealed class SqliteConnections
{
    private readonly string _writerConnectionString;
    private readonly string _readerConnectionString;
    private readonly SqliteStoreOptions _options;

    public SqliteConnections(string databasePath, SqliteStoreOptions options)
    {
        DatabasePath = databasePath;
        _options = options;

        // The provider retries SQLITE_BUSY itself until the command timeout (whole seconds, and
        // 0 would mean forever), on top of SQLite's own busy_timeout; keep both near the option.
        var commandTimeoutSeconds = Math.Max(1, (int)Math.Ceiling(options.BusyTimeout.TotalSeconds));

        // The writer is not pooled: disposing the store must really close the file so SQLite can
        // checkpoint and remove the WAL when it is the last connection.
        _writerConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = false,
            DefaultTimeout = commandTimeoutSeconds,
        }.ToString();

        // Readers are short-lived and pooled; read-only so a query can never take the write lock.
        _readerConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadOnly,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = commandTimeoutSeconds,
        }.ToString();
    }

    public string DatabasePath { get; }

    public SqliteConnection OpenWriter()
    {
        var connection = new SqliteConnection(_writerConnectionString);
        try
        {
            connection.Open();
            Execute(connection, BusyTimeoutPragma());

            // Incremental auto-vacuum lets EnforceMaxSize hand freed pages back to the filesystem
            // without a full VACUUM (which rewrites the whole file and needs as much free space
            // again). SQLite honours it only on a new file, and only before journal_mode=WAL writes
            // the first page; on an existing database it is a no-op.
            Execute(connection, "PRAGMA auto_vacuum = INCREMENTAL");

            // WAL: readers (the CLI, the dashboard) never block the writer and are never blocked by it.
            // The mode is stored in the file, so readers opened later inherit it.
            Execute(connection, "PRAGMA journal_mode = WAL");

            // NORMAL in WAL mode fsyncs at checkpoints, not at every commit: a committed batch survives
            // the agent crashing or being SIGKILLed (the WAL is in the OS page cache and is replayed on
            // open); only a power loss or kernel panic may lose the last few batches, never corrupt
            // the file. FULL would fsync per batch for a guarantee the agent does not need.
            Execute(connection, "PRAGMA synchronous = NORMAL");

            // Checkpoints truncate the WAL back to this size, so a burst does not leave a huge -wal file.
            Execute(connection, "PRAGMA journal_size_limit = 67108864");
            if (_options.MaxPageCount is { } maxPages)
            {
                Execute(connection, $"PRAGMA max_page_count = {maxPages.ToString(CultureInfo.InvariantCulture)}");
            }

            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public SqliteConnection OpenReader()
    {
        var connection = new SqliteConnection(_readerConnectionString);
        try
        {
            connection.Open();
            Execute(connection, BusyTimeoutPragma());
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Closes idle pooled readers so the file is released when the store is disposed.</summary>
    public void ClearReaderPool()
    {
        using var connection = new SqliteConnection(_readerConnectionString);
        SqliteConnection.ClearPool(connection);
    }

    public static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public static long Scalar(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar() ?? 0L, CultureInfo.InvariantCulture);
    }

    private string BusyTimeoutPragma() =>
        $"PRAGMA busy_timeout = {((long)_options.BusyTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)}";
}
