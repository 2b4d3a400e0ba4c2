using Atalaya.Core.Allowlist;
using Microsoft.Data.Sqlite;

namespace Atalaya.Storage;

/// <summary>The allowlist table: entries are kept after they expire (the audit trail) until removed.</summary>
public sealed partial class SqliteEventStore
{
    /// <summary>Stores a new entry and returns it with its id.</summary>
    public AllowEntry AddAllowEntry(AllowEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var id = WithWriter("adding an allowlist entry", connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = """
                INSERT INTO allowlist (executable, sha256, rule_id, dest_ip, dest_port, until_ts, who, why, created_ts)
                VALUES ($executable, $sha256, $rule, $ip, $port, $until, $who, $why, $created)
                RETURNING id
                """;
            command.Parameters.AddWithValue("$executable", entry.Executable);
            command.Parameters.AddWithValue("$sha256", (object?)entry.Sha256 ?? DBNull.Value);
            command.Parameters.AddWithValue("$rule", (object?)entry.RuleId ?? DBNull.Value);
            command.Parameters.AddWithValue("$ip", (object?)entry.DestinationIp ?? DBNull.Value);
            command.Parameters.AddWithValue("$port", (object?)entry.DestinationPort ?? DBNull.Value);
            command.Parameters.AddWithValue("$until", entry.Until.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$who", entry.Who);
            command.Parameters.AddWithValue("$why", entry.Why);
            command.Parameters.AddWithValue("$created", entry.Created.ToUnixTimeMilliseconds());
            return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        });
        return entry with { Id = id };
    }

    /// <summary>Every entry, expired ones included, oldest first.</summary>
    public IReadOnlyList<AllowEntry> ListAllowEntries() =>
        WithReader("reading the allowlist", connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT id, executable, sha256, rule_id, dest_ip, dest_port, until_ts, who, why, created_ts FROM allowlist ORDER BY id";
            using var reader = command.ExecuteReader();
            var entries = new List<AllowEntry>();
            while (reader.Read())
            {
                entries.Add(new AllowEntry
                {
                    Id = reader.GetInt64(0),
                    Executable = reader.GetString(1),
                    Sha256 = NullableString(reader, 2),
                    RuleId = NullableString(reader, 3),
                    DestinationIp = NullableString(reader, 4),
                    DestinationPort = reader.IsDBNull(5) ? null : reader.GetInt32(5),
                    Until = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)),
                    Who = reader.GetString(7),
                    Why = reader.GetString(8),
                    Created = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(9)),
                });
            }

            return (IReadOnlyList<AllowEntry>)entries;
        });

    /// <summary>Deletes one entry; false when no entry has that id.</summary>
    public bool RemoveAllowEntry(long id) =>
        WithWriter("removing an allowlist entry", connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM allowlist WHERE id = $id";
            command.Parameters.AddWithValue("$id", id);
            return command.ExecuteNonQuery() > 0;
        });

    private static string? NullableString(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
