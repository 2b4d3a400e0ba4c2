namespace Atalaya.Platform.Linux.Files;

/// <summary>What one raw kernel event said happened to a path.</summary>
[Flags]
public enum FileOperation
{
    None = 0,
    Create = 1,
    Modify = 2,
    CloseWrite = 4,
    Attrib = 8,
    Delete = 16,

    /// <summary>The path was the source of a move: its file now lives elsewhere.</summary>
    MovedFrom = 32,

    /// <summary>The path was the target of a move (old path known when the kernel reported FAN_RENAME).</summary>
    MovedTo = 64,
}

/// <summary>One raw change as a sensor saw it, before coalescing.</summary>
/// <param name="Writer">The process that made the change, read from /proc when the event arrived; null without fanotify.</param>
/// <param name="WriterPartial">The writer's pid was known but /proc could not be read in full (it had exited).</param>
public sealed record RawFileChange(
    string Path,
    FileOperation Operation,
    bool IsDirectory,
    long Timestamp,
    int? WriterPid,
    Core.Schema.ProcessFields? Writer,
    bool WriterPartial,
    string? OldPath = null);
