using Microsoft.Data.Sqlite;

namespace Atalaya.Storage;

/// <summary>One schema step; <see cref="Version"/> is what <c>PRAGMA user_version</c> holds after it ran.</summary>
internal sealed record Migration(int Version, string Description, string Sql);

/// <summary>
/// The schema as an ordered list of steps keyed by <c>PRAGMA user_version</c>. Steps are only ever
/// appended: a released step is never edited, because databases in the field already ran it.
/// </summary>
internal static class Migrations
{
    public static readonly IReadOnlyList<Migration> All =
    [
        new(1, "events, alerts and status tables", """
            CREATE TABLE events (
                id         INTEGER PRIMARY KEY,
                ts         INTEGER NOT NULL, -- @timestamp, unix milliseconds UTC
                kind       TEXT,
                category   TEXT,             -- the first event.category
                action     TEXT,
                dataset    TEXT,
                pid        INTEGER,
                entity_id  TEXT,
                executable TEXT,
                json       TEXT NOT NULL     -- the whole event as ECS JSON (EcsJson)
            );
            CREATE INDEX events_ts ON events(ts);
            CREATE INDEX events_pid_ts ON events(pid, ts);
            CREATE INDEX events_entity_id ON events(entity_id);

            CREATE TABLE alerts (
                alert_id   TEXT PRIMARY KEY,
                first_ts   INTEGER NOT NULL, -- when the alert was first raised, unix ms
                ts         INTEGER NOT NULL, -- its latest update, unix ms
                score      INTEGER,
                severity   TEXT,
                verdict    TEXT,
                rule_id    TEXT,
                rule_name  TEXT,
                pid        INTEGER,
                entity_id  TEXT,
                executable TEXT,
                json       TEXT NOT NULL
            );
            CREATE INDEX alerts_ts ON alerts(ts);
            CREATE INDEX alerts_rule_id ON alerts(rule_id);
            CREATE INDEX alerts_pid ON alerts(pid);

            CREATE TABLE status (
                key     TEXT PRIMARY KEY,
                json    TEXT NOT NULL,
                updated INTEGER NOT NULL
            );
            """),
        new(2, "baseline candidates and versions", """
            CREATE TABLE baseline_candidates (
                kind       TEXT NOT NULL,    -- BaselineKinds name
                value      TEXT NOT NULL,
                sightings  INTEGER NOT NULL, -- distinct slots (hour of a learn run) it was seen in
                last_slot  TEXT NOT NULL,
                first_seen INTEGER NOT NULL, -- unix ms
                last_seen  INTEGER NOT NULL,
                PRIMARY KEY (kind, value)
            );

            CREATE TABLE baseline_versions (
                version    INTEGER PRIMARY KEY,
                created    INTEGER NOT NULL, -- unix ms
                note       TEXT NOT NULL,
                item_count INTEGER NOT NULL
            );

            -- Each version holds its full item set: diff and rollback are plain set operations, and a
            -- host's baseline is thousands of rows, not millions.
            CREATE TABLE baseline_items (
                version INTEGER NOT NULL REFERENCES baseline_versions(version),
                kind    TEXT NOT NULL,
                value   TEXT NOT NULL,
                PRIMARY KEY (version, kind, value)
            );
            """),
        new(3, "allowlist with expiry", """
            CREATE TABLE allowlist (
                id          INTEGER PRIMARY KEY,
                executable  TEXT NOT NULL,
                sha256      TEXT,
                rule_id     TEXT,
                dest_ip     TEXT,
                dest_port   INTEGER,
                until_ts    INTEGER NOT NULL, -- unix ms UTC; the entry is ignored from then on
                who         TEXT NOT NULL,
                why         TEXT NOT NULL,
                created_ts  INTEGER NOT NULL
            );
            """),
        new(4, "incidents", """
            CREATE TABLE incidents (
                incident_id     TEXT PRIMARY KEY,
                first_ts        INTEGER NOT NULL, -- first seen (the earliest member alert's start), unix ms
                last_ts         INTEGER NOT NULL, -- last seen, unix ms
                score           INTEGER NOT NULL,
                verdict         TEXT NOT NULL,
                severity        TEXT,
                root_pid        INTEGER,          -- the root entity: highest non-system process of the tree
                root_executable TEXT,
                alert_ids       TEXT NOT NULL,    -- JSON array of atalaya.alert_id
                domains         TEXT NOT NULL,    -- JSON array
                timeline        TEXT NOT NULL     -- JSON array of timeline entries
            );
            CREATE INDEX incidents_last_ts ON incidents(last_ts);
            """),
    ];

    public static int LatestVersion => All[^1].Version;

    public static int ReadVersion(SqliteConnection connection, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "PRAGMA user_version";
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static StoreException TooNew(int found, string databasePath) =>
        new(StoreErrorKind.IncompatibleSchema,
            $"database schema version {found} is newer than this atalaya understands ({LatestVersion}): {databasePath} was written by a newer release; upgrade atalaya");

    /// <summary>
    /// Brings the database to <see cref="LatestVersion"/> in one transaction, so a crash mid-upgrade
    /// leaves the old schema intact rather than half of the new one.
    /// </summary>
    public static void Apply(SqliteConnection connection, string databasePath)
    {
        var version = ReadVersion(connection);
        if (version > LatestVersion)
        {
            throw TooNew(version, databasePath);
        }

        if (version == LatestVersion)
        {
            return;
        }

        // BEGIN IMMEDIATE (the provider's default): two agents starting at once serialize here,
        // and the second re-reads the version inside the lock instead of re-running step 1.
        using var transaction = connection.BeginTransaction();
        version = ReadVersion(connection, transaction);
        if (version > LatestVersion)
        {
            throw TooNew(version, databasePath);
        }

        foreach (var step in All)
        {
            if (step.Version <= version)
            {
                continue;
            }

            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = step.Sql;
            command.ExecuteNonQuery();

            // PRAGMA takes no parameters; the value is our own constant, never input.
            command.CommandText = $"PRAGMA user_version = {step.Version}";
            command.ExecuteNonQuery();
        }

        transaction.Commit();
    }
}
