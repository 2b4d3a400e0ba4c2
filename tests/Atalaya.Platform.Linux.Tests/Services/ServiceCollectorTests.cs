using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Packages;
using Atalaya.Platform.Linux.Services;
using Atalaya.TestKit;

namespace Atalaya.Platform.Linux.Tests.Services;

/// <summary>
/// The parser and the diff on hand-written fixtures in systemd 252's shape (Fixtures/systemctl/README.md:
/// systemd is not pid 1 where these were written), and the collector's live side on this host.
/// </summary>
public sealed class ServiceCollectorTests
{
    private static IReadOnlyList<ServiceState> Fixture(string name) =>
        SystemctlShowParser.Parse(File.ReadAllText(Linux.Tests.Fixture.PathOf("systemctl", name)));

    [Fact]
    public void Parses_every_property_of_the_fixture_and_skips_nothing_it_should_keep()
    {
        var units = SystemctlShowParser.Parse(File.ReadAllText(Linux.Tests.Fixture.PathOf("systemctl", "show-before.txt")), out var malformed);

        Assert.Equal(0, malformed);
        Assert.Equal(["ssh.service", "cron.service", "systemd-journald.service", "apt-daily.timer", "apt-daily.service", "display-manager.service"],
            units.Select(u => u.Id));
        Assert.Equal(new ServiceState("ssh.service", "loaded", "active", "running", "enabled", 612, "/lib/systemd/system/ssh.service", "/usr/sbin/sshd", "success"),
            units[0]);
        Assert.Equal(new ServiceState("apt-daily.timer", "loaded", "active", "waiting", "enabled", null, "/lib/systemd/system/apt-daily.timer", null, "success"),
            units[3]);
        Assert.Equal(new ServiceState("display-manager.service", "not-found", "inactive", "dead", null, null, null, null, "success"), units[5]);
        Assert.Equal("active/running, enabled, main pid 612", units[0].Describe());
    }

    [Fact]
    public void Hostile_output_is_counted_and_never_trusted()
    {
        var huge = new string('A', 100_000);
        var text = "Id=evil.service\r\n"
                   + "no equals sign here\r\n"
                   + "=value without key\r\n"
                   + "ExecStart=bin/relative ; { path=/tmp/x ; argv[]=/tmp/x }\r\n"
                   + "MainPID=-5\r\n"
                   + $"FragmentPath={huge}\r\n"
                   + "\r\n"
                   + "Id=\r\nActiveState=active\r\n\r\n"
                   + "Id=second.service\nMainPID=99999999999999999999\nExecStart={ path= ; argv[]= }\nId=renamed.service\n";

        var units = SystemctlShowParser.Parse(text, out var malformed);

        Assert.Equal(3, malformed);
        Assert.Equal(2, units.Count);
        Assert.Equal("evil.service", units[0].Id);
        Assert.Null(units[0].ExecStart);
        Assert.Null(units[0].MainPid);
        Assert.Equal(SystemctlShowParser.MaxValueLength, units[0].FragmentPath!.Length);
        Assert.Equal(new ServiceState("renamed.service", null, null, null, null, null, null, null), units[1]);
    }

    [Fact]
    public void New_changed_and_failed_services_are_found_and_a_restart_alone_is_not_a_change()
    {
        var before = Fixture("show-before.txt").ToDictionary(u => u.Id, StringComparer.Ordinal);

        var changes = ServiceStateDiff.Compare(before, Fixture("show-after.txt"));

        Assert.Equal(
            [
                (ServiceChangeKind.Failed, "cron.service"),
                (ServiceChangeKind.Changed, "apt-daily.service"),
                (ServiceChangeKind.Added, "dbus-update.service"),
            ],
            changes.Select(c => (c.Kind, c.Current.Id)));
        Assert.Equal("/usr/lib/apt/apt.systemd.daily", changes[1].Previous!.ExecStart);
        Assert.Null(changes[2].Previous);
    }

    [Fact]
    public void Events_name_the_program_its_package_the_unit_file_and_what_it_was_before()
    {
        var collector = new ServiceCollector(new ServiceCollectorOptions(), TimeProvider.System, host: null, new DpkgDatabase());
        Assert.Empty(collector.Apply(Fixture("show-before.txt")));
        var changes = collector.Apply(Fixture("show-after.txt"));

        var events = changes.Select(collector.Build).ToList();

        var failed = events[0];
        Assert.Equal(Datasets.Service, failed.Event.Dataset);
        Assert.Equal(ServiceCollector.ActionFailed, failed.Event.Action);
        Assert.Equal([EventTypes.Change], failed.Event.Type);
        Assert.Equal("/lib/systemd/system/cron.service", failed.File!.Path);
        Assert.Null(failed.Process);
        Assert.Equal("failed/failed, enabled, result signal (was active/running, enabled, main pid 540)", failed.Atalaya!.Persistence!.Detail);

        var changed = events[1];
        Assert.Equal(ServiceCollector.ActionChanged, changed.Event.Action);
        Assert.Equal("/tmp/.cache/apt-helper", changed.Atalaya!.Persistence!.Command);
        Assert.Equal("/usr/lib/apt/apt.systemd.daily", changed.Atalaya.Persistence.PreviousCommand);
        Assert.Equal("/etc/systemd/system/apt-daily.service", changed.File!.Path);

        var added = events[2];
        Assert.Equal(ServiceCollector.ActionAdded, added.Event.Action);
        Assert.Equal([EventTypes.Creation], added.Event.Type);
        Assert.Equal(7102, added.Process!.Pid);
        Assert.Equal("/var/tmp/.dbus-update", added.Process.Executable);
        Assert.Equal("systemd-service", added.Atalaya!.Persistence!.Kind);
        Assert.Equal("dbus-update.service: active/running, enabled, main pid 7102", added.Event.Reason);
        if (new DpkgDatabase().IsAvailable)
        {
            // Checked against the real dpkg database: nothing owns a file in /var/tmp.
            Assert.False(added.Atalaya.Persistence.TargetPackaged);
            Assert.Null(added.Atalaya.Persistence.TargetPackage);
        }
    }

    [Fact]
    public async Task Without_systemd_it_says_unit_files_only_and_publishes_nothing()
    {
        using var root = new TempDirectory();
        var collector = new ServiceCollector(new ServiceCollectorOptions { RootPrefix = root.Path, Interval = TimeSpan.FromMilliseconds(20) },
            TimeProvider.System, host: null);
        var published = new List<EcsEvent>();
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => collector.RunAsync(new ListPublisher(published), stop.Token));

        Assert.Equal("unit files only (systemd not running)", collector.Sensor);
        Assert.Equal("services: unit files only (systemd not running)", collector.StatusLine);
        Assert.Empty(published);
        Assert.True(collector.Counters.Get("skipped-no-systemd") >= 1);
        Assert.Equal(0, collector.Counters.Get("reads"));
    }

    [SkippableFact]
    public void On_this_host_the_live_side_matches_whether_systemd_is_the_init_system()
    {
        var collector = new ServiceCollector(new ServiceCollectorOptions(), TimeProvider.System, host: null);
        var systemdRuns = Directory.Exists("/run/systemd/system");

        Assert.Equal(systemdRuns ? "systemctl-show" : "unit files only (systemd not running)", collector.Sensor);
        Skip.IfNot(systemdRuns, "systemd is not the init system here (/run/systemd/system is missing): the live read cannot run");
        var states = new SystemctlReader().TryRead(TimeSpan.FromSeconds(30));
        Assert.NotNull(states);
        Assert.Empty(collector.Apply(states));
        Assert.StartsWith("services: live state from systemctl show (", collector.StatusLine, StringComparison.Ordinal);
    }

    [Fact]
    public void A_systemctl_that_cannot_be_started_is_a_failed_read_not_a_fault()
    {
        using var root = new TempDirectory("atalaya-systemctl-");
        root.WriteFile("run/systemd/system/.keep", "");
        // Present but not executable (mode 0644): Process.Start refuses it.
        root.WriteFile("usr/bin/systemctl", "not a program\n");
        var reader = new SystemctlReader(root.Combine("usr/bin/systemctl"), root.Path);

        Assert.True(reader.IsAvailable);
        Assert.Null(reader.TryRead(TimeSpan.FromSeconds(5)));
    }

    private sealed class ListPublisher(List<EcsEvent> events) : IEventPublisher
    {
        public void Publish(EcsEvent value) => events.Add(value);
    }
}
