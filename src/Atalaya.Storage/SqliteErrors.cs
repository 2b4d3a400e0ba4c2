using Microsoft.Data.Sqlite;

namespace Atalaya.Storage;

/// <summary>Turns SQLite result codes into a <see cref="StoreException"/> a person can act on.</summary>
internal static class SqliteErrors
{
    // Primary result codes (https://sqlite.org/rescode.html). Extended codes carry the primary one
    // in their low byte, so the mask below works whichever of the two the provider reports.
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqliteReadOnly = 8;
    private const int SqliteCorrupt = 11;
    private const int SqliteFull = 13;
    private const int SqliteCantOpen = 14;
    private const int SqliteNotADatabase = 26;

    public static StoreException Translate(SqliteException exception, string operation, string databasePath)
    {
        var code = exception.SqliteErrorCode & 0xFF;
        var (kind, message) = code switch
        {
            SqliteBusy => (StoreErrorKind.Busy,
                $"the database {databasePath} is busy: another connection held the write lock past the busy timeout while {operation}; retry later"),
            SqliteLocked => (StoreErrorKind.Locked,
                $"the database {databasePath} is locked by another statement of this process while {operation}; retry later"),
            SqliteFull => (StoreErrorKind.Full,
                $"the disk holding {databasePath} is full (or the database reached its size limit) while {operation}; free space or shorten retention"),
            SqliteReadOnly => (StoreErrorKind.ReadOnly,
                $"the database {databasePath} cannot be written while {operation}: check the file's permissions and whether its filesystem is mounted read-only"),
            SqliteCorrupt or SqliteNotADatabase => (StoreErrorKind.Corrupt,
                $"the database {databasePath} is corrupt or not an SQLite database while {operation} ({exception.Message}); move it aside and restart the agent to start a new one"),
            SqliteCantOpen => (StoreErrorKind.Other,
                $"cannot open the database {databasePath} while {operation}: check that its directory exists and is accessible ({exception.Message})"),
            _ => (StoreErrorKind.Other,
                $"SQLite error {exception.SqliteErrorCode} while {operation} on {databasePath}: {exception.Message}"),
        };
        return new StoreException(kind, message, exception);
    }
}
