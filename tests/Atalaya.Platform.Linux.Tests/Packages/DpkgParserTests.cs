using Atalaya.Platform.Linux.Packages;

namespace Atalaya.Platform.Linux.Tests.Packages;

/// <summary>Parsers on samples copied from this Debian 12 host's /var/lib/dpkg, and hostile variants.</summary>
public sealed class DpkgParserTests
{
    private static string Info(string file) => Fixture.Text("dpkg", "var", "lib", "dpkg", "info", file);

    [Fact]
    public void List_keeps_paths_and_skips_the_root_marker()
    {
        var paths = new List<string>();
        Assert.Equal(0, DpkgListParser.Parse(Info("coreutils.list"), paths));
        Assert.Equal(["/bin", "/bin/cat", "/bin/ls", "/bin/sleep", "/usr", "/usr/bin", "/usr/bin/[", "/usr/bin/env"], paths);
    }

    [Fact]
    public void List_counts_relative_and_nul_lines()
    {
        var paths = new List<string>();
        Assert.Equal(2, DpkgListParser.Parse("/usr/bin/a\nusr/bin/b\n\n/usr/bin/c\0d\n/usr/bin/e", paths));
        Assert.Equal(["/usr/bin/a", "/usr/bin/e"], paths);
    }

    [Fact]
    public void Md5sums_makes_paths_absolute()
    {
        var digests = new Dictionary<string, byte[]>();
        Assert.Equal(0, DpkgMd5sumsParser.Parse(Info("coreutils.md5sums"), digests));
        Assert.Equal(5, digests.Count);
        Assert.Equal(Convert.FromHexString("7987cf330ff5bb94015dfbb9eae5a99f"), digests["/bin/ls"]);
        Assert.Equal(Convert.FromHexString("2ce54ade9838ff20e0f3e44763dbbb66"), digests["/bin/sleep"]);
        Assert.Equal(Convert.FromHexString("3820701e433d98542a3ffbc8cdcc5b14"), digests["/usr/bin/["]);
    }

    [Theory]
    [InlineData("7987cf330ff5bb94015dfbb9eae5a99f bin/ls")] // one space
    [InlineData("7987cf330ff5bb94015dfbb9eae5a99  bin/ls")] // 31 digits
    [InlineData("7987cf330ff5bb94015dfbb9eae5a99g  bin/ls")] // not hex
    [InlineData("7987cf330ff5bb94015dfbb9eae5a99f  ")] // no path
    [InlineData("")]
    public void Md5sums_rejects_hostile_lines(string line) =>
        Assert.False(DpkgMd5sumsParser.TryParseLine(line, out _, out _));

    [Fact]
    public void Md5sums_accepts_binary_mode_marker_and_spaces_in_names()
    {
        Assert.True(DpkgMd5sumsParser.TryParseLine("7987cf330ff5bb94015dfbb9eae5a99f *usr/share/doc/a b", out var path, out var digest));
        Assert.Equal("/usr/share/doc/a b", path);
        Assert.Equal(16, digest.Length);
    }

    [Fact]
    public void Status_reads_real_stanzas()
    {
        var packages = new List<DpkgPackage>();
        Assert.Equal(0, DpkgStatusParser.Parse(Fixture.Text("dpkg", "var", "lib", "dpkg", "status"), packages));
        Assert.Equal(["coreutils", "libc6", "libpq-dev", "postgresql-common"], packages.Select(p => p.Name));

        var coreutils = packages[0];
        Assert.Equal(("amd64", "9.1-1", "install ok installed", false, "coreutils"),
            (coreutils.Architecture, coreutils.Version, coreutils.Status, coreutils.MultiArchSame, coreutils.InfoKey));
        Assert.True(coreutils.IsInstalled);
        Assert.Empty(coreutils.Conffiles);

        var libc = packages[1];
        Assert.True(libc.MultiArchSame);
        Assert.Equal("libc6:amd64", libc.InfoKey);
        Assert.Equal("2.36-9+deb12u14", libc.Version);
        Assert.Equal("d4e7a7b88a71b5ffd9e2644e71a0cfab", libc.Conffiles["/etc/ld.so.conf.d/x86_64-linux-gnu.conf"]);

        var common = packages[3];
        Assert.Equal(("all", "248+deb12u1"), (common.Architecture, common.Version));
        Assert.Equal("1b9da643d7a403248d70e1776fb98458", common.Conffiles["/etc/init.d/postgresql"]);
        Assert.Equal("101326ef5d138998692ece35109ef1a2", common.Conffiles["/etc/logrotate.d/postgresql-common"]);
    }

    [Fact]
    public void Status_counts_stanzas_without_package_or_with_broken_lines()
    {
        var packages = new List<DpkgPackage>();
        var text = "Status: install ok installed\nVersion: 1\n\nPackage: ok\nVersion: 2\r\n\nPackage: broken\nthis line has no colon\n\n\n";
        Assert.Equal(2, DpkgStatusParser.Parse(text, packages));
        var only = Assert.Single(packages);
        Assert.Equal(("ok", "2"), (only.Name, only.Version));
        Assert.False(only.IsInstalled);
    }

    [Fact]
    public void Status_tolerates_a_truncated_file()
    {
        var text = Fixture.Text("dpkg", "var", "lib", "dpkg", "status");
        var packages = new List<DpkgPackage>();
        DpkgStatusParser.Parse(text.AsSpan(0, text.IndexOf("Package: libc6", StringComparison.Ordinal) + 15), packages);
        Assert.Equal(["coreutils", "libc6"], packages.Select(p => p.Name));
    }

    [Fact]
    public void Diversions_real_file()
    {
        var diversions = new List<DpkgDiversion>();
        Assert.Equal(0, DpkgDiversionsParser.Parse(Fixture.Text("dpkg", "var", "lib", "dpkg", "diversions"), diversions));
        Assert.Contains(new DpkgDiversion("/usr/bin/pg_config", "/usr/bin/pg_config.libpq-dev", "postgresql-common"), diversions);
        Assert.Contains(new DpkgDiversion("/usr/share/man/man1/perf.1.gz", "/usr/share/man/man1/perf.wrapper.1.gz", "linux-perf"), diversions);
    }

    [Fact]
    public void Diversions_local_and_truncated()
    {
        var diversions = new List<DpkgDiversion>();
        Assert.Equal(2, DpkgDiversionsParser.Parse("/a\n/b\n:\nrelative\n/d\npkg\n/x\n/y", diversions));
        Assert.Equal(new DpkgDiversion("/a", "/b", null), Assert.Single(diversions));
    }

    [Theory]
    [InlineData("/usr/bin/sleep", "/bin/sleep")]
    [InlineData("/bin/sleep", "/usr/bin/sleep")]
    [InlineData("/sbin/init", "/usr/sbin/init")]
    [InlineData("/lib64/ld-linux-x86-64.so.2", "/usr/lib64/ld-linux-x86-64.so.2")]
    [InlineData("/usr/lib/x86_64-linux-gnu/libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6")]
    [InlineData("/usr/local/bin/x", null)]
    [InlineData("/binx/y", null)]
    [InlineData("/bin", null)]
    [InlineData("/etc/passwd", null)]
    public void Usr_merge_alias(string path, string? alias) => Assert.Equal(alias, UsrMerge.Alias(path));
}
