namespace Atalaya.Storage;

/// <summary>Tuning for <see cref="SqliteEventStore"/>; the defaults suit the agent and the CLI.</summary>
public sealed record SqliteStoreOptions
{
    /// <summary>
    /// How long a statement waits for another connection's write lock before failing with
    /// <see cref="StoreErrorKind.Busy"/>. Long enough to ride out a retention pass or a CLI reader's
    /// checkpoint, short enough that the agent's batch loop notices a stuck lock.
    /// </summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Rows deleted per transaction by retention, so the write lock is released between chunks.</summary>
    public int RetentionChunkSize { get; init; } = 5000;

    /// <summary>Test hook: caps the database with <c>PRAGMA max_page_count</c> to make SQLITE_FULL reproducible.</summary>
    internal long? MaxPageCount { get; init; }
}
