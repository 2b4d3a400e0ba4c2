using Microsoft.Data.Sqlite;

namespace Atalaya.Storage.Tests;

/// <summary>A plain SQLite connection to the store's file, for what the store itself must not do (corrupt rows, hold locks).</summary>
internal sealed class RawDatabase : IDisposable
{
    public RawDatabase(string dataDirectory)
    {
        Connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(dataDirectory, SqliteEventStore.FileName),
            Pooling = false,
        }.ToString());
        Connection.Open();
    }

    public SqliteConnection Connection { get; }

    public long Scalar(string sql)
    {
        using var command = Connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar() ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Execute(string sql)
    {
        using var command = Connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public void Dispose() => Connection.Dispose();
}
