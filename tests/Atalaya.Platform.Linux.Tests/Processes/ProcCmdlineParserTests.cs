using System.Text;
using Atalaya.Platform.Linux.Processes;

namespace Atalaya.Platform.Linux.Tests.Processes;

public sealed class ProcCmdlineParserTests
{
    public static TheoryData<byte[], string[]> Rows => new()
    {
        // Kernel threads and zombies: empty file.
        { [], [] },
        // Captured: /proc/<pid>/cmdline of `sleep 30`.
        { "/usr/bin/sleep\u000030\u0000"u8.ToArray(), ["/usr/bin/sleep", "30"] },
        // Captured prefix of /proc/1/cmdline on this VM.
        { "/process_api\u0000--firecracker-init\u0000--addr\u00000.0.0.0:2024\u0000"u8.ToArray(), ["/process_api", "--firecracker-init", "--addr", "0.0.0.0:2024"] },
        // Empty arguments in the middle are real arguments.
        { "a\u0000\u0000b\u0000"u8.ToArray(), ["a", "", "b"] },
        { "\u0000"u8.ToArray(), [""] },
        // setproctitle-style rewrite: spaces, no NUL terminator.
        { "sshd: root@pts/0"u8.ToArray(), ["sshd: root@pts/0"] },
        // Invalid UTF-8 (lone continuation byte, truncated sequence) becomes U+FFFD.
        { new byte[] { (byte)'a', 0x80, (byte)'b', 0, 0xE2, 0x82, 0 }, ["a\uFFFDb", "\uFFFD"] },
        // Control characters are kept as they are.
        { "echo\u0000a\nb\u001b[31m\u0000"u8.ToArray(), ["echo", "a\nb\u001b[31m"] },
        { "caf\u00e9\u0000\u65e5\u672c\u0000"u8.ToArray(), ["caf\u00e9", "\u65e5\u672c"] },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void Parses_argv(byte[] raw, string[] expected)
    {
        Assert.Equal(expected, ProcCmdlineParser.Parse(raw));
    }

    [Fact]
    public void Parses_a_128_KiB_command_line()
    {
        var arg = new string('A', 128 * 1024);
        var raw = Encoding.UTF8.GetBytes("/bin/sh\0-c\0" + arg + "\0");
        var args = ProcCmdlineParser.Parse(raw);
        Assert.Equal(3, args.Length);
        Assert.Equal("/bin/sh", args[0]);
        Assert.Equal("-c", args[1]);
        Assert.Equal(arg, args[2]);
    }
}
