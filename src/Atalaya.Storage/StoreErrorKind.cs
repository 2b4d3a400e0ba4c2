namespace Atalaya.Storage;

/// <summary>Why the store refused an operation, so the agent can retry, count or report it.</summary>
public enum StoreErrorKind
{
    /// <summary>Another connection holds the write lock longer than the busy timeout (SQLITE_BUSY); retry later.</summary>
    Busy,

    /// <summary>A table is locked inside this process (SQLITE_LOCKED); retry later.</summary>
    Locked,

    /// <summary>The disk is full or the database hit its page limit (SQLITE_FULL).</summary>
    Full,

    /// <summary>The file, directory or mount is read-only, or the store was opened read-only (SQLITE_READONLY).</summary>
    ReadOnly,

    /// <summary>The file is damaged or is not an SQLite database (SQLITE_CORRUPT, SQLITE_NOTADB).</summary>
    Corrupt,

    /// <summary>A reader asked for a database that the agent has not created yet.</summary>
    Missing,

    /// <summary>The file was written by a newer atalaya, or needs an upgrade a reader cannot do.</summary>
    IncompatibleSchema,

    /// <summary>Anything else SQLite reported (I/O error, cannot open, ...): the message carries SQLite's words.</summary>
    Other,
}
