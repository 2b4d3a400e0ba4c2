using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;
using Atalaya.Core.Storage;
using Microsoft.Data.Sqlite;

namespace Atalaya.Storage;

/// <summary>
/// The embedded store: one SQLite file (<c>atalaya.db</c>) in WAL mode in the data directory.
/// One writer connection, guarded by a lock, does every write; each query opens its own short
/// read-only connection, so <c>atalaya alerts</c> in another process reads while the agent writes.
/// Every SQLite failure surfaces as a <see cref="StoreException"/>.
/// </summary>
public sealed partial class SqliteEventStore : IEventStore
{
    /// <summary>The database file name inside the data directory.</summary>
    public const string FileName = "atalaya.db";

    private const string AgentStatusKey = "agent";

    private readonly SqliteConnections _connections;
    private readonly SqliteStoreOptions _options;
    private readonly StoredEventReader _reader = new();
    private readonly Lock _writeLock = new();
    private readonly SqliteConnection? _writer;
    private readonly BatchWriter? _batchWriter;
    private bool _disposed;

    private SqliteEventStore(SqliteConnections connections, SqliteStoreOptions options, SqliteConnection? writer)
    {
        _connections = connections;
        _options = options;
        _writer = writer;
        _batchWriter = writer is null ? null : new BatchWriter(writer);
    }

    /// <summary>Full path of the database file.</summary>
    public string DatabasePath => _connections.DatabasePath;

    /// <summary>True for a CLI reader opened with <see cref="OpenReadOnly"/>.</summary>
    public bool IsReadOnly => _writer is null;

    /// <summary>Stored rows skipped by queries because their JSON no longer parses (never thrown at the reader).</summary>
    public long UnreadableRows => _reader.UnreadableRows;

    /// <summary>
    /// Opens (creating if needed) the store the agent writes to. A missing data directory is created
    /// with mode 0700: events hold command lines and paths that other local users must not read.
    /// Pending schema migrations run here, in one transaction.
    /// </summary>
    /// <exception cref="StoreException">The file cannot be opened, is corrupt, or comes from a newer atalaya.</exception>
    public static SqliteEventStore Open(string dataDirectory, SqliteStoreOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        options ??= new SqliteStoreOptions();
        var directory = Path.GetFullPath(dataDirectory);
        EnsurePrivateDirectory(directory);
        var connections = new SqliteConnections(Path.Combine(directory, FileName), options);

        SqliteConnection? writer = null;
        try
        {
            writer = connections.OpenWriter();
            Migrations.Apply(writer, connections.DatabasePath);
            return new SqliteEventStore(connections, options, writer);
        }
        catch (SqliteException exception)
        {
            writer?.Dispose();
            throw SqliteErrors.Translate(exception, "opening the store", connections.DatabasePath);
        }
        catch
        {
            writer?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens an existing store for reading only (the CLI verbs). It never creates, migrates or locks
    /// the file, so it is safe next to a running agent.
    /// </summary>
    /// <exception cref="StoreException">
    /// <see cref="StoreErrorKind.Missing"/> when the agent has not written anything yet;
    /// <see cref="StoreErrorKind.IncompatibleSchema"/> when the file's schema is not this release's.
    /// </exception>
    public static SqliteEventStore OpenReadOnly(string dataDirectory, SqliteStoreOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        options ??= new SqliteStoreOptions();
        var directory = Path.GetFullPath(dataDirectory);
        var path = Path.Combine(directory, FileName);
        var noData = $"no data yet in {directory}: start the agent with `atalaya run`";
        if (!File.Exists(path))
        {
            throw new StoreException(StoreErrorKind.Missing, noData);
        }

        var connections = new SqliteConnections(path, options);
        int version;
        try
        {
            using var connection = connections.OpenReader();
            version = Migrations.ReadVersion(connection);
        }
        catch (SqliteException exception)
        {
            throw SqliteErrors.Translate(exception, "opening the store read-only", path);
        }

        if (version == 0)
        {
            throw new StoreException(StoreErrorKind.Missing, noData);
        }

        if (version > Migrations.LatestVersion)
        {
            throw Migrations.TooNew(version, path);
        }

        if (version < Migrations.LatestVersion)
        {
            throw new StoreException(StoreErrorKind.IncompatibleSchema,
                $"database schema version {version} is older than this atalaya ({Migrations.LatestVersion}): start the agent with `atalaya run` once to upgrade {path}");
        }

        return new SqliteEventStore(connections, options, writer: null);
    }

    /// <inheritdoc />
    public void Append(IReadOnlyList<EcsEvent> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0)
        {
            return;
        }

        WithWriter($"appending a batch of {batch.Count} events", _ => _batchWriter!.Write(batch));
    }

    /// <inheritdoc />
    public IReadOnlyList<EcsEvent> QueryAlerts(AlertQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        return WithReader("querying alerts", connection => _reader.QueryAlerts(connection, query));
    }

    /// <inheritdoc />
    public IReadOnlyList<EcsEvent> QueryEvents(EventQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        return WithReader("querying events", connection => _reader.QueryEvents(connection, query));
    }

    /// <inheritdoc />
    public void SaveStatus(AgentStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var json = StatusJson.Serialize(status);
        WithWriter("saving the agent status", connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = """
                INSERT INTO status (key, json, updated) VALUES ($key, $json, $updated)
                ON CONFLICT(key) DO UPDATE SET json = excluded.json, updated = excluded.updated
                """;
            command.Parameters.AddWithValue("$key", AgentStatusKey);
            command.Parameters.AddWithValue("$json", json);
            command.Parameters.AddWithValue("$updated", status.UpdatedAt.ToUnixTimeMilliseconds());
            command.ExecuteNonQuery();
        });
    }

    /// <inheritdoc />
    public AgentStatus? LoadStatus() =>
        WithReader("loading the agent status", connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT json FROM status WHERE key = $key";
            command.Parameters.AddWithValue("$key", AgentStatusKey);
            return command.ExecuteScalar() is string json ? _reader.TryParse(json, StatusJson.Deserialize) : null;
        });

    /// <summary>Row counts, schema version and the bytes on disk (database plus its WAL).</summary>
    public StoreStatistics GetStatistics()
    {
        var (events, alerts, version) = WithReader("reading statistics", connection => (
            SqliteConnections.Scalar(connection, "SELECT count(*) FROM events"),
            SqliteConnections.Scalar(connection, "SELECT count(*) FROM alerts"),
            Migrations.ReadVersion(connection)));
        return new StoreStatistics(events, alerts, FileSize(DatabasePath) + FileSize(DatabasePath + "-wal"), version);
    }

    /// <summary>
    /// Deletes events (not alerts) with <c>@timestamp</c> before the cutoff, in chunks of
    /// <see cref="SqliteStoreOptions.RetentionChunkSize"/>, taking the write lock per chunk. Freed
    /// pages stay in the file and are reused by new events, which is cheaper than shrinking it.
    /// </summary>
    public long DeleteEventsBefore(DateTimeOffset cutoff)
    {
        var cutoffMilliseconds = cutoff.ToUnixTimeMilliseconds();
        var chunk = _options.RetentionChunkSize;
        long total = 0;
        int deleted;
        do
        {
            deleted = WithWriter("deleting old events", connection => Retention.DeleteChunkBefore(connection, cutoffMilliseconds, chunk));
            total += deleted;
        }
        while (deleted == chunk);

        return total;
    }

    /// <summary>
    /// Keeps the database under <paramref name="maxBytes"/> by deleting the oldest events (alerts are
    /// kept). Size is measured as SQLite sees it: (page_count - freelist_count) * page_size, so pages
    /// already free do not count as data. Deletion goes in estimated chunks, re-measuring after each;
    /// then freed pages are returned to the filesystem with <c>PRAGMA incremental_vacuum</c> and the
    /// WAL is checkpointed with TRUNCATE so the files on disk shrink too. Returns how many events went.
    /// </summary>
    public long EnforceMaxSize(long maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        var chunk = _options.RetentionChunkSize;
        long total = 0;
        while (true)
        {
            var deleted = WithWriter("enforcing the maximum database size", connection =>
            {
                var used = Retention.UsedBytes(connection);
                if (used <= maxBytes)
                {
                    return 0;
                }

                var rows = Retention.EstimateRowsToDelete(connection, used, maxBytes, chunk);
                return rows == 0 ? 0 : Retention.DeleteOldestChunk(connection, rows);
            });
            if (deleted == 0)
            {
                break;
            }

            total += deleted;
        }

        WithWriter("releasing free space", connection =>
        {
            // Skip the vacuum and checkpoint when nothing is to gain: they take the write lock.
            if (total > 0 || Retention.FileBytes(connection) > maxBytes || FileSize(DatabasePath + "-wal") > 0)
            {
                Retention.ReleaseSpace(connection);
            }
        });
        return total;
    }

    public void Dispose()
    {
        lock (_writeLock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _batchWriter?.Dispose();

            // Idle pooled readers go first so that, when the writer closes last, SQLite checkpoints
            // and removes the WAL: a clean shutdown leaves one self-contained file.
            _connections.ClearReaderPool();
            _writer?.Dispose();
        }
    }

    private static void EnsurePrivateDirectory(string directory)
    {
        if (Directory.Exists(directory))
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private static long FileSize(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? info.Length : 0;
    }

    private void WithWriter(string operation, Action<SqliteConnection> action) =>
        WithWriter(operation, connection =>
        {
            action(connection);
            return 0;
        });

    private T WithWriter<T>(string operation, Func<SqliteConnection, T> action)
    {
        if (_writer is null)
        {
            throw new StoreException(StoreErrorKind.ReadOnly,
                $"cannot {operation}: the store at {DatabasePath} was opened read-only; only the agent writes to it");
        }

        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            try
            {
                return action(_writer);
            }
            catch (SqliteException exception)
            {
                throw SqliteErrors.Translate(exception, operation, DatabasePath);
            }
        }
    }

    private T WithReader<T>(string operation, Func<SqliteConnection, T> query)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            using var connection = _connections.OpenReader();
            return query(connection);
        }
        catch (SqliteException exception)
        {
            throw SqliteErrors.Translate(exception, operation, DatabasePath);
        }
    }
}
