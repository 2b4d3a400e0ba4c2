using Atalaya.Core.Allowlist;
using Atalaya.Storage;

namespace Atalaya.Cli.Hosting;

/// <summary>Reads the allowlist for scan and run; a store that does not exist yet simply has no entries.</summary>
internal static class AllowlistAccess
{
    public static AllowList Load(string dataDirectory)
    {
        if (!File.Exists(Path.Combine(dataDirectory, SqliteEventStore.FileName)))
        {
            return AllowList.Empty;
        }

        try
        {
            // Opened for writing so an older database gets the allowlist table (migration 2).
            using var store = SqliteEventStore.Open(dataDirectory);
            return new AllowList(store.ListAllowEntries());
        }
        catch (Exception ex) when (ex is StoreException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"atalaya: warning: the allowlist in {dataDirectory} cannot be read, so nothing is trusted: {ex.Message}");
            return AllowList.Empty;
        }
    }
}
