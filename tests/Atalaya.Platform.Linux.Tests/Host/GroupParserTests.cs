using Atalaya.Platform.Linux.Host;

namespace Atalaya.Platform.Linux.Tests.Host;

public sealed class GroupParserTests
{
    [Fact]
    public void Parses_captured_lines_and_counts_malformed_ones()
    {
        const string text = "root:x:0:\ndaemon:x:1:\nsudo:x:27:ana,bob\n\n+nis::\nbad:x:notanumber:\nroot2:x:0:\ntoo:many:3::fields\r\nwin:x:5:\r\n";
        var names = GroupParser.Parse(text, out var malformed);
        Assert.Equal(new Dictionary<uint, string> { [0] = "root", [1] = "daemon", [27] = "sudo", [5] = "win" }, names);
        Assert.Equal(3, malformed);
    }
}
