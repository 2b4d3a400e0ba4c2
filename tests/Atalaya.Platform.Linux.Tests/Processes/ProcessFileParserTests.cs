using System.Text;
using Atalaya.Platform.Linux.Processes;

namespace Atalaya.Platform.Linux.Tests.Processes;

/// <summary>environ, maps and cgroup parsers on captured and hostile inputs.</summary>
public sealed class ProcessFileParserTests
{
    private const string CapturedMaps =
        "560467776000-560467778000 r--p 00000000 fe:00 247629                     /usr/bin/head\n"
        + "560467778000-56046777e000 r-xp 00002000 fe:00 247629                     /usr/bin/head\n"
        + "56049aecc000-56049aeed000 rw-p 00000000 00:00 0                          [heap]\n"
        + "7efc81bd9000-7efc81c30000 r--p 00000000 fe:00 319798                     /usr/lib/locale/C.utf8/LC_CTYPE\n"
        + "7efc81e00000-7efc81f85000 r-xp 00028000 fe:00 263041                     /usr/lib/x86_64-linux-gnu/libc.so.6\n"
        + "7ffd2a1f1000-7ffd2a212000 rw-p 00000000 00:00 0                          [stack]\n"
        + "7ffd2a3c2000-7ffd2a3c6000 r--p 00000000 00:00 0                          [vvar]\n"
        + "7ffd2a3c6000-7ffd2a3c8000 r-xp 00000000 00:00 0                          [vdso]\n"
        + "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n";

    [Fact]
    public void Clean_captured_maps_have_no_findings()
    {
        Assert.True(ProcMapsParser.TryParse(CapturedMaps, out var summary));
        Assert.Equal(9, summary.Lines);
        Assert.Equal(0, summary.AnonymousExecutableRegions);
        Assert.False(summary.WritableExecutable);
        Assert.Empty(summary.WritablePathLibraries);
    }

    [Fact]
    public void Anonymous_executable_memory_memfd_and_writable_path_libraries_are_found()
    {
        var maps = CapturedMaps
            + "7f0000000000-7f0000001000 rwxp 00000000 00:00 0 \n"
            + "7f0000002000-7f0000003000 r-xp 00000000 00:01 1234                       /memfd:x (deleted)\n"
            + "7f4a52fcd000-7f4a52fce000 rwxs 00000000 00:01 2238                       /dev/zero (deleted)\n"
            + "7f0000004000-7f0000005000 r-xp 00000000 fe:00 99                         /tmp/.x/libevil.so\n"
            + "7f0000005000-7f0000006000 r--p 00001000 fe:00 99                         /tmp/.x/libevil.so\n"
            + "7f0000006000-7f0000007000 r-xp 00000000 fe:00 98                         /home/ana/my lib.so.1 (deleted)\n"
            + "7f0000008000-7f0000009000 r--p 00000000 fe:00 97                         /home/ana/notes.txt\n";
        Assert.True(ProcMapsParser.TryParse(maps, out var summary));
        Assert.Equal(3, summary.AnonymousExecutableRegions);
        Assert.True(summary.WritableExecutable);
        Assert.Equal(["/tmp/.x/libevil.so", "/home/ana/my lib.so.1 (deleted)"], summary.WritablePathLibraries);
    }

    [Theory]
    [InlineData("garbage\nmore garbage\n")]
    [InlineData("560467776000-560467778000 r--p 00000000 fe:00 notanumber /x\n")]
    public void Maps_without_one_valid_line_are_rejected(string text) => Assert.False(ProcMapsParser.TryParse(text, out _));

    [Fact]
    public void Empty_maps_of_a_process_without_memory_parse_empty()
    {
        Assert.True(ProcMapsParser.TryParse("", out var summary));
        Assert.Equal(0, summary.Lines);
    }

    [Theory]
    [InlineData("HOME=/root\0LD_PRELOAD=/tmp/x.so\0PATH=/usr/bin\0", new[] { "LD_PRELOAD=/tmp/x.so" })]
    [InlineData("LD_LIBRARY_PATH=/opt/lib\0LD_PRELOAD=\0LD_AUDIT=/a.so", new[] { "LD_LIBRARY_PATH=/opt/lib", "LD_PRELOAD=", "LD_AUDIT=/a.so" })]
    [InlineData("LD_PRELOADX=/tmp/x.so\0XLD_PRELOAD=/y\0LD_PRELOAD\0LD_\0", new string[0])]
    [InlineData("", new string[0])]
    [InlineData("LD_PRELOAD=/tmp/a\nb.so\0LD_PRELOAD=/second.so\0", new[] { "LD_PRELOAD=/tmp/a\nb.so", "LD_PRELOAD=/second.so" })]
    public void Watched_environment_variables_are_picked(string environ, string[] expected) =>
        Assert.Equal(expected, ProcEnvironParser.FindWatched(Encoding.UTF8.GetBytes(environ)));

    [Fact]
    public void Invalid_utf8_in_a_watched_value_is_replaced()
    {
        byte[] environ = [.. "LD_PRELOAD=/tmp/"u8, 0xff, 0xfe, .. ".so"u8, 0];
        Assert.Equal(["LD_PRELOAD=/tmp/\ufffd\ufffd.so"], ProcEnvironParser.FindWatched(environ));
    }

    [Theory]
    [InlineData("0::/system.slice/ssh.service\n", "/system.slice/ssh.service", null)]
    [InlineData("0::/system.slice/docker-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope\n", "/system.slice/docker-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("12:pids:/docker/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n1:name=systemd:/docker/x\n", "/docker/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("9:name=systemd:/\n8:pids:/\n4:memory:/process_api/5d4c36e13fe767bec2350b81bd411d6d\n0::/\n", "/", null)]
    [InlineData("0::/kubepods/pod1/cri-containerd-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.scope\n", "/kubepods/pod1/cri-containerd-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.scope", null)]
    public void Cgroup_path_and_container_id(string text, string path, string? containerId)
    {
        Assert.True(ProcCgroupParser.TryParse(text, out var parsed, out var id));
        Assert.Equal(path, parsed);
        Assert.Equal(containerId, id);
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage\n")]
    [InlineData("4:memory:/x\n")]
    public void Cgroup_without_a_usable_line_is_rejected(string text) => Assert.False(ProcCgroupParser.TryParse(text, out _, out _));
}
