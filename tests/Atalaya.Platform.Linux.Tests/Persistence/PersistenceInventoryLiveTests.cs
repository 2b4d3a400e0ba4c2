using Atalaya.Core.Pipeline;
using Atalaya.Platform.Linux.Hashing;
using Atalaya.Platform.Linux.Persistence;

namespace Atalaya.Platform.Linux.Tests.Persistence;

/// <summary>The inventory on this host's real paths: read-only, so always safe.</summary>
public sealed class PersistenceInventoryLiveTests
{
    [Fact]
    public void Reads_the_live_host_with_every_entry_on_an_existing_path()
    {
        var counters = new CollectorCounters();
        var entries = new PersistenceInventory("", new ExecutableHashCache(), counters).Read(CancellationToken.None);

        Assert.NotEmpty(entries);
        Assert.Equal(entries.Count, entries.Select(e => e.Key).Distinct(StringComparer.Ordinal).Count());
        foreach (var entry in entries)
        {
            Assert.True(File.Exists(entry.Path) || Path.Exists(entry.Path) || entry.LinkTarget is not null, $"{entry.Path} does not exist");
            Assert.StartsWith(entry.Kind + ":" + entry.Path, entry.Key, StringComparison.Ordinal);
        }

        if (File.Exists("/usr/lib/systemd/system/apt-daily-upgrade.timer"))
        {
            var timer = Assert.Single(entries, e => e.Path == "/usr/lib/systemd/system/apt-daily-upgrade.timer");
            Assert.Equal(PersistenceKinds.SystemdTimer, timer.Kind);
            Assert.Equal(0u, timer.OwnerUid);
        }

        Assert.Equal(1, counters.Get("inventories"));
    }
}
