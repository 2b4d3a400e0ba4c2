using Atalaya.Platform.Linux.Services;
using Atalaya.TestKit;

namespace Atalaya.Platform.Linux.Tests.Persistence;

public sealed class SystemctlTests
{
    [Fact]
    public void Parses_systemctl_show_blocks()
    {
        // The shape systemd 252 (Debian 12) prints for two units, properties in the order asked for.
        const string text = """
            Id=ssh.service
            LoadState=loaded
            ActiveState=active
            SubState=running
            UnitFileState=enabled
            MainPID=612
            FragmentPath=/lib/systemd/system/ssh.service
            ExecStart={ path=/usr/sbin/sshd ; argv[]=/usr/sbin/sshd -D $SSHD_OPTS ; ignore_errors=no ; start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }

            Id=apt-daily.timer
            LoadState=loaded
            ActiveState=active
            SubState=waiting
            UnitFileState=enabled
            MainPID=0
            FragmentPath=/lib/systemd/system/apt-daily.timer
            ExecStart=

            LoadState=not-found
            """;
        var units = SystemctlShowParser.Parse(text);
        Assert.Equal(
            [
                new ServiceState("ssh.service", "loaded", "active", "running", "enabled", 612, "/lib/systemd/system/ssh.service", "/usr/sbin/sshd"),
                new ServiceState("apt-daily.timer", "loaded", "active", "waiting", "enabled", null, "/lib/systemd/system/apt-daily.timer", null),
            ],
            units);
    }

    [Fact]
    public void Reader_reports_unavailable_without_systemd()
    {
        using var fake = new TempDirectory();
        Assert.False(new SystemctlReader(rootPrefix: fake.Path).IsAvailable);
        Assert.Null(new SystemctlReader(rootPrefix: fake.Path).TryRead(TimeSpan.FromSeconds(5)));
    }

    [SkippableFact]
    public void Reader_reads_units_where_systemd_runs()
    {
        var live = new SystemctlReader();
        Skip.IfNot(live.IsAvailable, "systemd is not the init system here (/run/systemd/system is missing)");

        var units = live.TryRead(TimeSpan.FromSeconds(30));
        Assert.NotNull(units);
        Assert.Contains(units, u => u.Id.EndsWith(".service", StringComparison.Ordinal) && u.ActiveState is not null);
    }
}
