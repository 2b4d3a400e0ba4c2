using Atalaya.Platform.Linux.Host;
using Atalaya.TestKit;

namespace Atalaya.Platform.Linux.Tests.Host;

public sealed class GroupNameResolverTests
{
    [Fact]
    public void Resolves_gids_from_a_captured_group_file_and_counts_malformed_lines()
    {
        using var root = new TempDirectory();
        root.WriteFile("etc/group", "root:x:0:\ndaemon:x:1:\nsudo:x:27:ana,bob\n\n+nis::\nbad:x:notanumber:\nroot2:x:0:\nwin:x:5:\r\n");
        var groups = new GroupNameResolver(root.Path);

        Assert.Equal("root", groups.Resolve(0)); // the first line for a gid wins
        Assert.Equal("sudo", groups.Resolve(27));
        Assert.Equal("win", groups.Resolve(5));
        Assert.Null(groups.Resolve(999));
        Assert.Equal(2, groups.MalformedLines);
    }

    [Fact]
    public void A_missing_group_file_resolves_nothing()
    {
        using var root = new TempDirectory();
        Assert.Null(new GroupNameResolver(root.Path).Resolve(0));
    }
}
