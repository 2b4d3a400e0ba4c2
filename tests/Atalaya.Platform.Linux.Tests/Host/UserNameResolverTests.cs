using Atalaya.Platform.Linux.Host;
using Atalaya.TestKit;

namespace Atalaya.Platform.Linux.Tests.Host;

public sealed class UserNameResolverTests
{
    [Fact]
    public void Resolves_and_reloads_when_the_file_changes()
    {
        using var root = new TempDirectory();
        var path = root.WriteFile("etc/passwd", "root:x:0:0:root:/root:/bin/bash\nbad\nalice:x:1000:1000::/home/alice:/bin/sh\nalias:x:1000:1000::/:/bin/sh\n");
        var resolver = new UserNameResolver(root.Path, recheckInterval: TimeSpan.Zero);

        Assert.Equal("root", resolver.Resolve(0));
        Assert.Equal("alice", resolver.Resolve(1000));
        Assert.Null(resolver.Resolve(4242));
        Assert.Equal(1, resolver.MalformedLines);

        // Replace the file like useradd does (new inode), then a later mtime as a second signal.
        var replacement = root.WriteFile("etc/passwd.new", "root:x:0:0:root:/root:/bin/bash\nbob:x:4242:4242::/home/bob:/bin/sh\n");
        File.Move(replacement, path, overwrite: true);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(5));

        Assert.Equal("bob", resolver.Resolve(4242));
        Assert.Null(resolver.Resolve(1000));
        Assert.Equal(0, resolver.MalformedLines);
    }

    [Fact]
    public void Missing_file_resolves_nothing()
    {
        using var root = new TempDirectory();
        var resolver = new UserNameResolver(root.Path, recheckInterval: TimeSpan.Zero);
        Assert.Null(resolver.Resolve(0));
    }

    [Fact]
    public void Resolves_root_on_this_host()
    {
        Assert.Equal("root", new UserNameResolver().Resolve(0));
    }
}
