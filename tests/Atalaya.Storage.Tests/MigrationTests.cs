using Atalaya.TestKit;

namespace Atalaya.Storage.Tests;

public sealed class MigrationTests
{
    [Fact]
    public void Open_migrates_an_empty_file_and_reopening_is_idempotent()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.Combine(SqliteEventStore.FileName), []);

        using (var store = SqliteEventStore.Open(dir.Path))
        {
            Assert.Equal(Migrations.LatestVersion, store.GetStatistics().SchemaVersion);
            store.Append([SampleEvents.Event(SampleEvents.T0)]);
        }

        using (var again = SqliteEventStore.Open(dir.Path))
        {
            var stats = again.GetStatistics();
            Assert.Equal(Migrations.LatestVersion, stats.SchemaVersion);
            Assert.Equal(1, stats.EventCount);
        }

        using var raw = new RawDatabase(dir.Path);
        Assert.Equal(1, raw.Scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'events'"));
        Assert.Equal(7, raw.Scalar("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex%'")); // 6 until migration 4 added incidents_last_ts
        Assert.Equal(2, raw.Scalar("PRAGMA auto_vacuum")); // INCREMENTAL, set before the first table
        using var mode = raw.Connection.CreateCommand();
        mode.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", mode.ExecuteScalar());
    }

    [Fact]
    public void Open_creates_a_missing_data_directory_private_to_its_owner()
    {
        using var dir = new TempDirectory();
        var dataDirectory = dir.Combine("var", "lib", "atalaya");
        using var store = SqliteEventStore.Open(dataDirectory);

        Assert.Equal(Path.Combine(dataDirectory, "atalaya.db"), store.DatabasePath);
        Assert.True(File.Exists(store.DatabasePath));
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dataDirectory));
    }

    [Fact]
    public void Database_from_a_newer_schema_is_refused_with_a_clear_message()
    {
        using var dir = new TempDirectory();
        SqliteEventStore.Open(dir.Path).Dispose();
        using (var raw = new RawDatabase(dir.Path))
        {
            raw.Execute("PRAGMA user_version = 99");
        }

        var expected = $"database schema version 99 is newer than this atalaya understands ({Migrations.LatestVersion})";
        var writer = Assert.Throws<StoreException>(() => SqliteEventStore.Open(dir.Path));
        Assert.Equal(StoreErrorKind.IncompatibleSchema, writer.Kind);
        Assert.StartsWith(expected, writer.Message, StringComparison.Ordinal);

        var reader = Assert.Throws<StoreException>(() => SqliteEventStore.OpenReadOnly(dir.Path));
        Assert.Equal(StoreErrorKind.IncompatibleSchema, reader.Kind);
        Assert.StartsWith(expected, reader.Message, StringComparison.Ordinal);

        // Refusing must not have touched the file.
        using var check = new RawDatabase(dir.Path);
        Assert.Equal(99, check.Scalar("PRAGMA user_version"));
    }

    [Fact]
    public void A_file_that_is_not_a_database_is_reported_as_corrupt()
    {
        using var dir = new TempDirectory();
        dir.WriteFile(SqliteEventStore.FileName, "this is a text file, not SQLite, padded to look like a header page ".PadRight(4096, 'x'));

        var error = Assert.Throws<StoreException>(() => SqliteEventStore.Open(dir.Path));
        Assert.Equal(StoreErrorKind.Corrupt, error.Kind);
        Assert.Contains(dir.Path, error.Message, StringComparison.Ordinal);
    }
}
