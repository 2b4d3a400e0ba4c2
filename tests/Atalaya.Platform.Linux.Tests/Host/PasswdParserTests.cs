using Atalaya.Platform.Linux.Host;

namespace Atalaya.Platform.Linux.Tests.Host;

public sealed class PasswdParserTests
{
    [Theory]
    [InlineData("root:x:0:0:root:/root:/bin/bash", "root", 0u, 0u, "root", "/root", "/bin/bash")]
    [InlineData("sync:x:4:65534:sync:/bin:/bin/sync", "sync", 4u, 65534u, "sync", "/bin", "/bin/sync")]
    [InlineData("nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin", "nobody", 65534u, 65534u, "nobody", "/nonexistent", "/usr/sbin/nologin")]
    [InlineData("svc:*:998:998::/:", "svc", 998u, 998u, "", "/", "")]
    [InlineData("alice:x:1000:1000:Alice Liddell,,,:/home/alice:/bin/zsh\r", "alice", 1000u, 1000u, "Alice Liddell,,,", "/home/alice", "/bin/zsh")]
    [InlineData("big:x:4294967294:4294967294:g:/h:/s", "big", 4294967294u, 4294967294u, "g", "/h", "/s")]
    public void Parses_a_line(string line, string name, uint uid, uint gid, string gecos, string home, string shell)
    {
        Assert.True(PasswdParser.TryParseLine(line, out var entry));
        Assert.Equal(new PasswdEntry(name, uid, gid, gecos, home, shell), entry);
    }

    [Theory]
    [InlineData("root:x:0:0:root:/root")]
    [InlineData("root:x:0:0:root:/root:/bin/bash:extra")]
    [InlineData("root:x:zero:0:root:/root:/bin/bash")]
    [InlineData("root:x:0:-1:root:/root:/bin/bash")]
    [InlineData("root:x:4294967296:0:root:/root:/bin/bash")]
    [InlineData(":x:0:0:root:/root:/bin/bash")]
    [InlineData("+nisuser::::::")]
    [InlineData("# comment:x:0:0:::")]
    [InlineData("garbage")]
    public void Rejects_a_malformed_line(string line)
    {
        Assert.False(PasswdParser.TryParseLine(line, out _));
    }

    [Fact]
    public void Parses_a_file_and_counts_malformed_lines()
    {
        // First lines of this machine's /etc/passwd plus two broken ones and blank lines.
        const string text = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n\nbroken line\nbin:x:2:2:bin:/bin:/usr/sbin/nologin\nsys:x:three:3:sys:/dev:/usr/sbin/nologin\n   \nsync:x:4:65534:sync:/bin:/bin/sync";
        var entries = PasswdParser.Parse(text, out var malformed);
        Assert.Equal(["root", "daemon", "bin", "sync"], entries.Select(e => e.Name));
        Assert.Equal([0u, 1u, 2u, 4u], entries.Select(e => e.Uid));
        Assert.Equal(2, malformed);
    }

    [Fact]
    public void Empty_file_gives_nothing()
    {
        Assert.Empty(PasswdParser.Parse("", out var malformed));
        Assert.Equal(0, malformed);
    }
}
