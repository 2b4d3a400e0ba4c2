using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Files;
using Atalaya.Platform.Linux.Hashing;
using Atalaya.Platform.Linux.Host;
using Atalaya.Platform.Linux.Packages;

namespace Atalaya.Platform.Linux.Tests.Packages;

public sealed class DpkgDatabaseTests
{
    private static readonly Dictionary<string, string> Coreutils = new()
    {
        ["/bin/ls"] = "ls v1",
        ["/bin/sleep"] = "sleep v1",
        ["/usr/bin/env"] = "env v1",
    };

    [Fact]
    public void Owner_and_verification_through_usr_merge_aliases()
    {
        using var root = new FakeDpkgRoot();
        root.Install("coreutils", "9.1-1", Coreutils);
        var db = new DpkgDatabase(root.Root);

        Assert.True(db.IsAvailable);
        Assert.Equal(new PackageOwner("coreutils", "coreutils", "9.1-1"), db.FindOwner("/usr/bin/ls"));
        Assert.Equal(new PackageOwner("coreutils", "coreutils", "9.1-1"), db.FindOwner("/bin/ls"));
        Assert.Null(db.FindOwner("/usr/bin/nothing"));

        var verified = db.Verify("/usr/bin/sleep");
        Assert.Equal(PackageVerificationStatus.Verified, verified.Status);
        Assert.True(verified.Verified);
        Assert.Equal("coreutils", verified.Owner!.Name);
        Assert.Equal(PackageVerificationStatus.Verified, db.Verify("/usr/bin/env").Status);
        Assert.Equal(PackageVerificationStatus.NotOwned, db.Verify("/usr/bin/nothing").Status);
    }

    [Fact]
    public void Modified_file_is_a_mismatch_and_the_cache_notices_the_change()
    {
        using var root = new FakeDpkgRoot();
        root.Install("coreutils", "9.1-1", Coreutils);
        var db = new DpkgDatabase(root.Root);
        Assert.Equal(PackageVerificationStatus.Verified, db.Verify("/usr/bin/ls").Status);

        File.AppendAllText(root.Combine("usr/bin/ls"), "\nbackdoor");
        var result = db.Verify("/usr/bin/ls");
        Assert.Equal(PackageVerificationStatus.Mismatch, result.Status);
        Assert.False(result.Verified);
        Assert.Equal(2, db.Digests.Misses);
    }

    [Fact]
    public void Same_size_rewrite_with_mtime_set_back_is_still_caught()
    {
        using var root = new FakeDpkgRoot();
        root.Install("coreutils", "9.1-1", Coreutils);
        var db = new DpkgDatabase(root.Root);
        var path = root.Combine("usr/bin/ls");
        var mtime = File.GetLastWriteTimeUtc(path);
        Assert.Equal(PackageVerificationStatus.Verified, db.Verify("/usr/bin/ls").Status);

        File.WriteAllText(path, "ls v2");
        File.SetLastWriteTimeUtc(path, mtime);
        Assert.Equal(PackageVerificationStatus.Mismatch, db.Verify("/usr/bin/ls").Status);
    }

    [Fact]
    public void Conffiles_have_no_digest_to_compare()
    {
        using var root = new FakeDpkgRoot();
        root.Install("cron", "3.0", new Dictionary<string, string> { ["/usr/sbin/cron"] = "cron" },
            conffiles: new Dictionary<string, string> { ["/etc/crontab"] = "# m h dom mon dow user command\n" });
        File.AppendAllText(root.Combine("etc/crontab"), "* * * * * root /tmp/x\n");
        var db = new DpkgDatabase(root.Root);
        var result = db.Verify("/etc/crontab");
        Assert.Equal(PackageVerificationStatus.NoDigest, result.Status);
        Assert.Null(result.Verified);
        Assert.Equal("cron", result.Owner!.Name);
    }

    [Fact]
    public void Diverted_file_is_verified_against_the_right_package()
    {
        using var root = new FakeDpkgRoot();
        root.Install("postgresql-common", "248", new Dictionary<string, string> { ["/usr/bin/pg_config"] = "wrapper" });
        root.Install("libpq-dev", "15", new Dictionary<string, string> { ["/usr/bin/pg_config"] = "real pg_config" },
            installedAt: "/usr/bin/pg_config.libpq-dev");
        // libpq-dev's install overwrote nothing: restore the wrapper the diversion protects.
        File.WriteAllText(root.Combine("usr/bin/pg_config"), "wrapper");
        root.Divert("/usr/bin/pg_config", "/usr/bin/pg_config.libpq-dev", "postgresql-common");
        var db = new DpkgDatabase(root.Root);

        Assert.Equal("postgresql-common", db.FindOwner("/usr/bin/pg_config")!.Name);
        Assert.Equal("libpq-dev", db.FindOwner("/usr/bin/pg_config.libpq-dev")!.Name);
        Assert.Equal(PackageVerificationStatus.Verified, db.Verify("/usr/bin/pg_config").Status);
        Assert.Equal(PackageVerificationStatus.Verified, db.Verify("/usr/bin/pg_config.libpq-dev").Status);
    }

    [Fact]
    public void New_package_is_seen_after_the_database_changes()
    {
        using var root = new FakeDpkgRoot();
        root.Install("coreutils", "9.1-1", Coreutils);
        var time = new ManualTime();
        var db = new DpkgDatabase(root.Root, time: time);
        Assert.Null(db.FindOwner("/usr/bin/curl"));

        root.Install("curl", "7.88", new Dictionary<string, string> { ["/usr/bin/curl"] = "curl" });
        Directory.SetLastWriteTimeUtc(root.Combine("var/lib/dpkg/info"), DateTime.UtcNow.AddSeconds(5));
        time.Advance(DpkgDatabase.RecheckInterval);
        Assert.Equal("curl", db.FindOwner("/usr/bin/curl")!.Name);
        Assert.Equal(2, db.Counters.Get("dpkg-builds"));
    }

    [Fact]
    public void Split_usr_root_does_not_alias()
    {
        using var temp = new TestKit.TempDirectory();
        Directory.CreateDirectory(Path.Combine(temp.Path, "bin"));
        Directory.CreateDirectory(Path.Combine(temp.Path, "usr/bin"));
        Directory.CreateDirectory(Path.Combine(temp.Path, "var/lib/dpkg/info"));
        File.WriteAllText(Path.Combine(temp.Path, "var/lib/dpkg/status"), "Package: coreutils\nStatus: install ok installed\n");
        File.WriteAllText(Path.Combine(temp.Path, "var/lib/dpkg/info/coreutils.list"), "/.\n/bin\n/bin/ls\n");
        var db = new DpkgDatabase(temp.Path);
        Assert.Equal("coreutils", db.FindOwner("/bin/ls")!.Name);
        Assert.Null(db.FindOwner("/usr/bin/ls"));
    }

    [Fact]
    public void Absent_database_is_unavailable()
    {
        using var temp = new TestKit.TempDirectory();
        var db = new DpkgDatabase(temp.Path);
        Assert.False(db.IsAvailable);
        Assert.Null(db.FindOwner("/usr/bin/ls"));
        Assert.Equal(PackageVerificationStatus.NotOwned, db.Verify("/usr/bin/ls").Status);
    }

    [SkippableTheory]
    [InlineData("/usr/bin/sleep")]
    [InlineData("/usr/bin/ls")]
    [InlineData("/bin/cat")]
    public void Real_coreutils_binaries_verify(string path)
    {
        var db = new DpkgDatabase();
        Skip.IfNot(db.IsAvailable, "this host has no dpkg database");

        var result = db.Verify(path);
        Assert.Equal(PackageVerificationStatus.Verified, result.Status);
        Assert.Equal("coreutils", result.Owner!.Name);
        Assert.False(string.IsNullOrEmpty(result.Owner.Version));
    }

    [SkippableFact]
    public void Real_diverted_pg_config_is_not_a_false_mismatch()
    {
        var db = new DpkgDatabase();
        Skip.IfNot(File.Exists("/usr/bin/pg_config.libpq-dev"), "no pg_config diversion on this host");

        Assert.Equal(PackageVerificationStatus.Verified, db.Verify("/usr/bin/pg_config").Status);
        Assert.Equal("postgresql-common", db.FindOwner("/usr/bin/pg_config")!.Name);
        Assert.Equal(PackageVerificationStatus.Verified, db.Verify("/usr/bin/pg_config.libpq-dev").Status);
    }

    [Fact]
    public void Integrity_scan_reports_only_modified_and_unowned_and_reuses_its_cache()
    {
        using var root = new FakeDpkgRoot();
        root.Install("coreutils", "9.1-1", Coreutils);
        File.AppendAllText(root.Combine("usr/bin/sleep"), "implant");
        File.WriteAllText(root.Combine("usr/sbin/dropper"), "#!/bin/sh\n");
        File.SetUnixFileMode(root.Combine("usr/sbin/dropper"), (UnixFileMode)0b111_101_101);
        File.WriteAllText(root.Combine("usr/bin/notes.txt"), "not executable");
        File.CreateSymbolicLink(root.Combine("usr/bin/sl"), "sleep");
        var cache = root.Combine("md5.cache");

        var first = Scan(root, cache, out var firstSource, out _);
        Assert.Equal(2, first.Count);
        var modified = Assert.Single(first, e => e.Event.Action == FileActions.PackageFileModified);
        Assert.Equal("/usr/bin/sleep", modified.File!.Path);
        Assert.Equal(("coreutils", false, true), (modified.Atalaya!.File!.Package, modified.Atalaya.File.PackageVerified, modified.Atalaya.File.Executable));
        Assert.Equal(EventKinds.State, modified.Event.Kind);
        Assert.NotNull(modified.File.Hash?.Sha256);
        var unowned = Assert.Single(first, e => e.Event.Action == FileActions.UnownedExecutable);
        Assert.Equal(("/usr/sbin/dropper", null, (bool?)null), (unowned.File!.Path, unowned.Atalaya!.File!.Package, unowned.Atalaya.File.PackageVerified));
        Assert.Equal(4, firstSource.Counters.Get("checked"));
        Assert.Equal(2, firstSource.Counters.Get("verified"));

        var second = Scan(root, cache, out var secondSource, out var secondDatabase);
        Assert.Equal(first.Select(e => e.File!.Path).Order(StringComparer.Ordinal), second.Select(e => e.File!.Path).Order(StringComparer.Ordinal));
        Assert.Equal(3, secondSource.Counters.Get("cache-loaded"));
        Assert.Equal(0, secondDatabase.Digests.Misses);
        Assert.Equal(3, secondDatabase.Digests.Hits);
    }

    private static IReadOnlyList<EcsEvent> Scan(FakeDpkgRoot root, string cache, out PackageIntegritySnapshotSource source, out DpkgDatabase database)
    {
        database = new DpkgDatabase(root.Root);
        source = new PackageIntegritySnapshotSource(database, null, new ExecutableHashCache(), new UserNameResolver(),
            TimeProvider.System, root.Root, cachePath: cache);
        return source.TakeSnapshot(CancellationToken.None);
    }

    private sealed class ManualTime : TimeProvider
    {
        private long _ticks = 1_000_000;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
