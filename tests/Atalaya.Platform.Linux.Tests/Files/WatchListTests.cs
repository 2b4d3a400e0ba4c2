using Atalaya.Platform.Linux.Files;

namespace Atalaya.Platform.Linux.Tests.Files;

public sealed class WatchListTests
{
    private static readonly WatchList Default = new(FileMonitorOptions.DefaultWatchedPaths, ["/var/lib/atalaya", "/tmp/atalaya-data"]);

    [Theory]
    [InlineData("/etc/passwd", true)]
    [InlineData("/etc", true)]
    [InlineData("/etcetera/x", false)]
    [InlineData("/etc/cron.d/job", true)]
    [InlineData("/home/bob/.ssh/authorized_keys", true)]
    [InlineData("/home/bob/.sshx/authorized_keys", false)]
    [InlineData("/home/bob/notes.txt", false)]
    [InlineData("/home/.ssh", false)]
    [InlineData("/root/.ssh/authorized_keys", true)]
    [InlineData("/usr/bin/ls", true)]
    [InlineData("/usr/lib/x86_64-linux-gnu/libc.so.6", false)]
    [InlineData("/usr/lib/systemd/system/ssh.service", true)]
    [InlineData("/var/spool/cron/crontabs/root", true)]
    [InlineData("/dev/shm/payload", true)]
    [InlineData("/var/lib/atalaya/events.db-wal", false)]
    [InlineData("/tmp/atalaya-data/x", false)]
    [InlineData("/tmp/atalaya-datax/x", true)]
    [InlineData("relative/etc/passwd", false)]
    [InlineData("", false)]
    public void Default_list_and_exclusions(string path, bool included) =>
        Assert.Equal(included, Default.Includes(path));

    [Fact]
    public void Literal_prefixes_are_where_marks_go()
    {
        var prefixes = Default.LiteralPrefixes();
        Assert.Contains("/home", prefixes);
        Assert.Contains("/etc", prefixes);
        Assert.DoesNotContain("/home/*/.ssh", prefixes);
    }

    [Fact]
    public void Existing_roots_expand_globs_and_collapse_nested_roots()
    {
        using var temp = new TestKit.TempDirectory();
        Directory.CreateDirectory(temp.Combine("home", "ann", ".ssh"));
        Directory.CreateDirectory(temp.Combine("home", "bob"));
        Directory.CreateDirectory(temp.Combine("etc", "cron.d"));
        var watch = new WatchList([temp.Path + "/home/*/.ssh", temp.Path + "/etc", temp.Path + "/etc/cron*", temp.Path + "/missing"], []);
        Assert.Equal([temp.Path + "/etc", temp.Path + "/home/ann/.ssh"], watch.ExistingRoots());
    }
}
