using Atalaya.Storage;

namespace Atalaya.Cli.Hosting;

/// <summary>Opens the store and turns its failures into one clear CLI error.</summary>
internal static class StoreAccess
{
    public static SqliteEventStore OpenForReading(string dataDirectory)
    {
        try
        {
            return SqliteEventStore.OpenReadOnly(dataDirectory);
        }
        catch (StoreException ex)
        {
            throw new CliException(ex.Message, ex);
        }
    }

    public static SqliteEventStore OpenForWriting(string dataDirectory)
    {
        try
        {
            return SqliteEventStore.Open(dataDirectory);
        }
        catch (StoreException ex)
        {
            throw new CliException(ex.Message, ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new CliException($"cannot write to {dataDirectory}: {ex.Message} (use --data-dir, or run as root for /var/lib/atalaya)", ex);
        }
    }
}
