using Atalaya.Core.Baseline;
using Microsoft.Data.Sqlite;

namespace Atalaya.Storage;

/// <summary>
/// Baseline candidates and versions in the agent's SQLite file (tables of migration 2). Opens its own
/// writer connection; SQLite's busy timeout serializes it with a running agent's writer.
/// </summary>
public sealed class SqliteBaselineStore : IBaselineStore, IBaselineLearningWindowStore, IDisposable
{
    /// <summary>The status-table row that holds the learning window of `run` (started, completed; unix ms).</summary>
    private const string LearningWindowKey = "baseline_learning_window";

    private readonly SqliteConnection _connection;

    private SqliteBaselineStore(SqliteConnection connection) => _connection = connection;

    /// <summary>Opens (creating and migrating if needed) the store in <paramref name="dataDirectory"/>.</summary>
    /// <exception cref="StoreException">The file cannot be opened, is corrupt, or comes from a newer atalaya.</exception>
    public static SqliteBaselineStore Open(string dataDirectory, SqliteStoreOptions? options = null)
    {
        options ??= new SqliteStoreOptions();

        // The event store creates the private directory and runs the migrations.
        using (SqliteEventStore.Open(dataDirectory, options))
        {
        }

        var connections = new SqliteConnections(Path.Combine(Path.GetFullPath(dataDirectory), SqliteEventStore.FileName), options);
        try
        {
            return new SqliteBaselineStore(connections.OpenWriter());
        }
        catch (SqliteException exception)
        {
            throw SqliteErrors.Translate(exception, "opening the baseline", connections.DatabasePath);
        }
    }

    public IReadOnlyList<BaselineCandidate> LoadCandidates() => Run("reading the baseline candidates", () =>
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT kind, value, sightings, last_slot, first_seen, last_seen FROM baseline_candidates";
        using var reader = command.ExecuteReader();
        var result = new List<BaselineCandidate>();
        while (reader.Read())
        {
            // A kind this release does not know (written by a newer one) is skipped, not fatal.
            if (BaselineKinds.TryParse(reader.GetString(0), out var kind))
            {
                result.Add(new BaselineCandidate(new BaselineKey(kind, reader.GetString(1)), reader.GetInt32(2), reader.GetString(3),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5))));
            }
        }

        return (IReadOnlyList<BaselineCandidate>)result;
    });

    public void SaveCandidates(IReadOnlyCollection<BaselineCandidate> candidates)
    {
        Write(transaction =>
        {
            SqliteConnections.Execute(_connection, "DELETE FROM baseline_candidates", transaction);
            using var insert = _connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO baseline_candidates (kind, value, sightings, last_slot, first_seen, last_seen) VALUES ($k, $v, $s, $l, $f, $t)";
            var kind = insert.Parameters.Add("$k", SqliteType.Text);
            var value = insert.Parameters.Add("$v", SqliteType.Text);
            var sightings = insert.Parameters.Add("$s", SqliteType.Integer);
            var slot = insert.Parameters.Add("$l", SqliteType.Text);
            var first = insert.Parameters.Add("$f", SqliteType.Integer);
            var last = insert.Parameters.Add("$t", SqliteType.Integer);
            foreach (var candidate in candidates)
            {
                kind.Value = BaselineKinds.Name(candidate.Key.Kind);
                value.Value = candidate.Key.Value;
                sightings.Value = candidate.Sightings;
                slot.Value = candidate.LastSlot;
                first.Value = candidate.FirstSeen.ToUnixTimeMilliseconds();
                last.Value = candidate.LastSeen.ToUnixTimeMilliseconds();
                insert.ExecuteNonQuery();
            }
        });
    }

    public IReadOnlyList<BaselineVersion> ListVersions() => Run("listing the baseline versions", () =>
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT version, created, note, item_count FROM baseline_versions ORDER BY version";
        using var reader = command.ExecuteReader();
        var result = new List<BaselineVersion>();
        while (reader.Read())
        {
            result.Add(new BaselineVersion(reader.GetInt32(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)), reader.GetString(2), reader.GetInt32(3)));
        }

        return (IReadOnlyList<BaselineVersion>)result;
    });

    public BaselineSet? LoadVersion(int number) => Run($"reading baseline version {number}", () =>
    {
        using var exists = _connection.CreateCommand();
        exists.CommandText = "SELECT count(*) FROM baseline_versions WHERE version = $n";
        exists.Parameters.AddWithValue("$n", number);
        if (Convert.ToInt64(exists.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
        {
            return (BaselineSet?)null;
        }

        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT kind, value FROM baseline_items WHERE version = $n";
        command.Parameters.AddWithValue("$n", number);
        using var reader = command.ExecuteReader();
        var items = new List<BaselineKey>();
        while (reader.Read())
        {
            if (BaselineKinds.TryParse(reader.GetString(0), out var kind))
            {
                items.Add(new BaselineKey(kind, reader.GetString(1)));
            }
        }

        return new BaselineSet(number, items);
    });

    public BaselineVersion AddVersion(IReadOnlyCollection<BaselineKey> items, string note, DateTimeOffset created)
    {
        var distinct = items.Distinct().ToList();
        BaselineVersion? version = null;
        Write(transaction =>
        {
            var number = (int)SqliteConnections.Scalar(_connection, "SELECT coalesce(max(version), 0) + 1 FROM baseline_versions", transaction);
            using (var header = _connection.CreateCommand())
            {
                header.Transaction = transaction;
                header.CommandText = "INSERT INTO baseline_versions (version, created, note, item_count) VALUES ($n, $c, $note, $count)";
                header.Parameters.AddWithValue("$n", number);
                header.Parameters.AddWithValue("$c", created.ToUnixTimeMilliseconds());
                header.Parameters.AddWithValue("$note", note);
                header.Parameters.AddWithValue("$count", distinct.Count);
                header.ExecuteNonQuery();
            }

            using var insert = _connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO baseline_items (version, kind, value) VALUES ($n, $k, $v)";
            insert.Parameters.AddWithValue("$n", number);
            var kind = insert.Parameters.Add("$k", SqliteType.Text);
            var value = insert.Parameters.Add("$v", SqliteType.Text);
            foreach (var item in distinct)
            {
                kind.Value = BaselineKinds.Name(item.Kind);
                value.Value = item.Value;
                insert.ExecuteNonQuery();
            }

            version = new BaselineVersion(number, DateTimeOffset.FromUnixTimeMilliseconds(created.ToUnixTimeMilliseconds()), note, distinct.Count);
        });
        return version!;
    }

    public BaselineLearningWindow? LoadLearningWindow() => Run("reading the baseline learning window", () =>
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT json FROM status WHERE key = $key";
        command.Parameters.AddWithValue("$key", LearningWindowKey);
        if (command.ExecuteScalar() is not string json)
        {
            return null;
        }

        // "started completed" as unix ms; a row that does not parse restarts learning rather than failing the agent.
        var parts = json.Split(' ');
        if (parts.Length != 2 || !long.TryParse(parts[0], System.Globalization.CultureInfo.InvariantCulture, out var started))
        {
            return null;
        }

        DateTimeOffset? completed = long.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var done) ? DateTimeOffset.FromUnixTimeMilliseconds(done) : null;
        return new BaselineLearningWindow(DateTimeOffset.FromUnixTimeMilliseconds(started), completed);
    });

    public void SaveLearningWindow(BaselineLearningWindow window)
    {
        ArgumentNullException.ThrowIfNull(window);
        Write(transaction =>
        {
            using var command = _connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                INSERT INTO status (key, json, updated) VALUES ($key, $json, $updated)
                ON CONFLICT(key) DO UPDATE SET json = excluded.json, updated = excluded.updated
                """;
            command.Parameters.AddWithValue("$key", LearningWindowKey);
            command.Parameters.AddWithValue("$json", string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{window.Started.ToUnixTimeMilliseconds()} {(window.Completed is { } c ? c.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture) : "-")}"));
            command.Parameters.AddWithValue("$updated", (window.Completed ?? window.Started).ToUnixTimeMilliseconds());
            command.ExecuteNonQuery();
        });
    }

    public void Dispose() => _connection.Dispose();

    private void Write(Action<SqliteTransaction> work) =>
        Run("writing the baseline", () =>
        {
            using var transaction = _connection.BeginTransaction();
            work(transaction);
            transaction.Commit();
            return 0;
        });

    /// <summary>Every statement goes through here so a caller sees <see cref="StoreException"/>, never a raw <see cref="SqliteException"/>.</summary>
    private T Run<T>(string operation, Func<T> work)
    {
        try
        {
            return work();
        }
        catch (SqliteException exception)
        {
            throw SqliteErrors.Translate(exception, operation, _connection.DataSource);
        }
    }
}
