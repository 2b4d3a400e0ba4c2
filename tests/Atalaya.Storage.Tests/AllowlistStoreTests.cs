using Atalaya.Core.Allowlist;
using Atalaya.TestKit;

namespace Atalaya.Storage.Tests;

public sealed class AllowlistStoreTests
{
    private static readonly DateTimeOffset Created = new(2026, 11, 21, 10, 0, 0, 123, TimeSpan.Zero);

    [Fact]
    public void Entries_round_trip_every_field_and_remove_deletes_one()
    {
        using var dir = new TempDirectory();
        using var store = SqliteEventStore.Open(dir.Path);

        var full = store.AddAllowEntry(new AllowEntry
        {
            Executable = "/opt/vendor/agent",
            Sha256 = "5e0b5ae8a1c3d2b4f6e7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9",
            RuleId = "atalaya.analytic.user-writable-egress",
            DestinationIp = "2001:db8::1",
            DestinationPort = 443,
            Until = Created + TimeSpan.FromDays(7),
            Who = "ana",
            Why = "vendor telemetry, ticket 42",
            Created = Created,
        });
        var bare = store.AddAllowEntry(new AllowEntry
        {
            Executable = "/usr/local/bin/tool",
            Until = Created - TimeSpan.FromDays(1),
            Who = "root",
            Why = "why; DROP TABLE allowlist; --",
            Created = Created,
        });

        Assert.True(full.Id > 0);
        Assert.True(bare.Id > full.Id);
        Assert.Equal([full, bare], store.ListAllowEntries());

        Assert.True(store.RemoveAllowEntry(full.Id));
        Assert.False(store.RemoveAllowEntry(full.Id));
        Assert.Equal([bare], store.ListAllowEntries());
    }

    [Fact]
    public void A_version_1_database_gains_the_allowlist_and_keeps_its_events()
    {
        using var dir = new TempDirectory();
        using (var raw = new RawDatabase(dir.Path))
        {
            raw.Execute(Migrations.All[0].Sql);
            raw.Execute("PRAGMA user_version = 1");
            raw.Execute("INSERT INTO events (ts, json) VALUES (1, '{}')");
        }

        using var store = SqliteEventStore.Open(dir.Path);

        Assert.Equal(Migrations.LatestVersion, store.GetStatistics().SchemaVersion);
        Assert.Equal(1, store.GetStatistics().EventCount);
        Assert.Empty(store.ListAllowEntries());
    }
}
