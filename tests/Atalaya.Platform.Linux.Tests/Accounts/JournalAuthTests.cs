using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Accounts;
using Atalaya.TestKit;

namespace Atalaya.Platform.Linux.Tests.Accounts;

/// <summary>
/// The journal side of the auth sensor, on hand-written <c>journalctl -o json</c> fixtures
/// (Fixtures/journal/README.md: journald does not run where these were written), and the source
/// selection on this host.
/// </summary>
public sealed class JournalAuthTests
{
    private static byte[][] FixtureLines() =>
        [.. File.ReadAllLines(Fixture.PathOf("journal", "auth.jsonl")).Select(System.Text.Encoding.UTF8.GetBytes)];

    [Fact]
    public void Parses_the_fields_the_auth_parser_needs_and_prefers_the_trusted_ones()
    {
        var lines = FixtureLines();

        Assert.True(JournalJsonParser.TryParse(lines[0], out var accepted));
        Assert.Equal(new DateTimeOffset(2025, 11, 21, 10, 0, 1, TimeSpan.Zero).AddTicks(1_234_560), accepted.Timestamp);
        Assert.Equal("web01", accepted.Host);
        Assert.Equal("sshd", accepted.Program);
        Assert.Equal(812, accepted.Pid);
        Assert.Equal(0u, accepted.SenderUid);
        Assert.Equal("sshd", accepted.Comm);
        Assert.Equal("Accepted publickey for ana from 198.51.100.7 port 52814 ssh2: ED25519 SHA256:abc", accepted.Message);

        Assert.True(JournalJsonParser.TryParse(lines[4], out var forged));
        Assert.Equal(1000u, forged.SenderUid);
        Assert.Equal("logger", forged.Comm);

        Assert.True(JournalJsonParser.TryParse(lines[5], out var binary));
        Assert.Equal("Failed password for root from 203.0.113.9 port 40022 ssh2\u0001", binary.Message);

        Assert.False(JournalJsonParser.TryParse(lines[6], out _));

        Assert.True(JournalJsonParser.TryParse(lines[7], out var repeated));
        Assert.StartsWith("     bob : 3 incorrect password attempts", repeated.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("null")]
    [InlineData("{\"MESSAGE\":\"x\",\"SYSLOG_IDENTIFIER\":\"sshd\"}")]
    [InlineData("{\"MESSAGE\":\"x\",\"SYSLOG_IDENTIFIER\":\"sshd\",\"__REALTIME_TIMESTAMP\":\"-5\"}")]
    [InlineData("{\"MESSAGE\":\"x\",\"SYSLOG_IDENTIFIER\":\"sshd\",\"__REALTIME_TIMESTAMP\":\"99999999999999999999999\"}")]
    [InlineData("{\"MESSAGE\":null,\"SYSLOG_IDENTIFIER\":\"sshd\",\"__REALTIME_TIMESTAMP\":\"1\"}")]
    [InlineData("{\"MESSAGE\":\"x\",\"__REALTIME_TIMESTAMP\":\"1\"}")]
    [InlineData("{\"MESSAGE\":{\"a\":{\"b\":{\"c\":{\"d\":1}}}},\"SYSLOG_IDENTIFIER\":\"sshd\",\"__REALTIME_TIMESTAMP\":\"1\"}")]
    [InlineData("{\"MESSAGE\":\"x\",\"SYSLOG_IDENTIFIER\":\"sshd\",\"__REALTIME_TIMESTAMP\":\"1\"")]
    [InlineData("{\"MESSAGE\":\"x\" \"SYSLOG_IDENTIFIER\":\"sshd\"}")]
    public void Hostile_or_incomplete_lines_are_rejected_without_throwing(string line) =>
        Assert.False(JournalJsonParser.TryParse(System.Text.Encoding.UTF8.GetBytes(line), out _));

    [Fact]
    public void An_over_long_line_is_rejected_and_an_over_long_message_is_cut()
    {
        Assert.False(JournalJsonParser.TryParse(new byte[JournalJsonParser.MaxLineBytes + 1], out _));
        var line = "{\"__REALTIME_TIMESTAMP\":\"1\",\"SYSLOG_IDENTIFIER\":\"sshd\",\"_UID\":\"0\",\"MESSAGE\":\"" + new string('m', 20_000) + "\"}";

        Assert.True(JournalJsonParser.TryParse(System.Text.Encoding.UTF8.GetBytes(line), out var entry));
        Assert.Equal(JournalJsonParser.MaxMessageLength, entry.Message.Length);
        Assert.Null(entry.Pid);
    }

    [Fact]
    public void Journal_lines_become_auth_events_and_a_forged_sender_is_dropped()
    {
        var collector = new AuthLogCollector(new AuthLogCollectorOptions(), TimeProvider.System, host: null);
        var events = new List<EcsEvent>();
        var publisher = new ListPublisher(events);

        foreach (var line in FixtureLines())
        {
            collector.HandleJournalLine(publisher, line);
        }

        Assert.Equal(
            [AccountActions.SshAccepted, AccountActions.SshFailed, AccountActions.Sudo, AccountActions.Su, AccountActions.SshFailed, AccountActions.SudoFailed],
            events.Select(e => e.Event.Action));
        var login = events[0];
        Assert.Equal(Datasets.Authentication, login.Event.Dataset);
        Assert.Equal(EventOutcomes.Success, login.Event.Outcome);
        Assert.Equal("ana", login.User!.Name);
        Assert.Equal("198.51.100.7", login.Source!.Ip);
        Assert.Equal(52814, login.Source.Port);
        Assert.Equal(812, login.Process!.Pid);
        Assert.Equal("sshd", login.Process.Name);
        Assert.Equal(new DateTimeOffset(2025, 11, 21, 10, 0, 1, TimeSpan.Zero).AddTicks(1_234_560), login.Timestamp);
        Assert.Equal("/usr/bin/id", events[2].Process!.CommandLine);
        Assert.Equal("203.0.113.9", events[4].Source!.Ip);
        Assert.DoesNotContain(events, e => e.Source?.Ip == "198.51.100.66");
        Assert.Equal(1, collector.Counters.Get("journal_untrusted_sender"));
        Assert.Equal(1, collector.Counters.Get("parse_errors"));
        Assert.Equal(9, collector.Counters.Get("lines"));
    }

    [Fact]
    public void The_journalctl_arguments_are_a_list_matching_only_the_auth_programs()
    {
        var arguments = JournalctlFollower.Arguments();

        Assert.Equal(["--output=json", "--follow", "--lines=0", "--no-pager", "--quiet"], arguments.Take(5));
        Assert.Contains("SYSLOG_IDENTIFIER=sshd", arguments);
        Assert.Contains("SYSLOG_IDENTIFIER=sudo", arguments);
        Assert.Contains("SYSLOG_IDENTIFIER=su", arguments);
        Assert.All(arguments.Skip(5), a => Assert.StartsWith("SYSLOG_IDENTIFIER=", a, StringComparison.Ordinal));
    }

    [Fact]
    public void Source_selection_says_which_one_is_read_and_why_none_is()
    {
        using var root = new TempDirectory();
        var absent = new AuthLogCollector(new AuthLogCollectorOptions { Path = root.Combine("auth.log"), RootPrefix = root.Path }, TimeProvider.System, null);
        Assert.Equal($"auth-log-tail (waiting: no {root.Combine("auth.log")}, journald not running)", absent.Sensor);

        root.WriteFile("auth.log", "");
        var present = new AuthLogCollector(new AuthLogCollectorOptions { Path = root.Combine("auth.log"), RootPrefix = root.Path }, TimeProvider.System, null);
        Assert.Equal("auth-log-tail", present.Sensor);
    }

    [SkippableFact]
    public async Task Where_journald_runs_journalctl_is_followed_and_stopped_by_cancellation()
    {
        var collector = new AuthLogCollector(new AuthLogCollectorOptions { Path = "/nonexistent/auth.log" }, TimeProvider.System, null);
        Skip.IfNot(collector.Sensor == "journald", $"journald does not run here (/run/systemd/journal is missing): sensor is '{collector.Sensor}'");
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));

        await collector.RunAsync(new ListPublisher([]), stop.Token);

        Assert.True(stop.IsCancellationRequested);
    }

    /// <summary>
    /// The follower against a stand-in journalctl (a test script: journald does not run here) that prints
    /// the fixture, records its argv and pid, and then waits as --follow does: the lines become events, the
    /// arguments arrive as a list, and stopping kills the child and reaps it (no zombie left in /proc).
    /// </summary>
    [Fact]
    public async Task A_followed_journalctl_hands_over_its_lines_and_is_killed_and_reaped_on_stop()
    {
        using var root = new TempDirectory();
        Directory.CreateDirectory(root.Combine("run/systemd/journal"));
        File.Copy(Fixture.PathOf("journal", "auth.jsonl"), root.Combine("lines.jsonl"));
        var fake = root.WriteFile("journalctl",
            "#!/bin/sh\nd=$(dirname \"$0\")\nprintf '%s\\n' \"$@\" > \"$d/args\"\ncat \"$d/lines.jsonl\"\necho $$ > \"$d/pid.tmp\"\nmv \"$d/pid.tmp\" \"$d/pid\"\nexec sleep 600\n");
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var collector = new AuthLogCollector(
            new AuthLogCollectorOptions { Path = root.Combine("auth.log"), RootPrefix = root.Path, Journalctl = fake }, TimeProvider.System, null);
        Assert.Equal("journald", collector.Sensor);
        var events = new List<EcsEvent>();
        using var stop = new CancellationTokenSource();

        var run = collector.RunAsync(new LockedPublisher(events), stop.Token);
        var pidFile = root.Combine("pid");
        int pid;
        try
        {
            await Eventually.WaitForAsync(() => File.Exists(pidFile) && Count(events) == 6, done => done);
            Assert.True(File.Exists(pidFile), "the stand-in journalctl did not start");
            pid = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(Directory.Exists($"/proc/{pid}"));
            Assert.Equal(6, Count(events));
            Assert.Equal(JournalctlFollower.Arguments(), File.ReadAllLines(root.Combine("args")));
        }
        finally
        {
            // Stopping is also the cleanup when an assertion above failed.
            await stop.CancelAsync();
        }

        Assert.Same(run, await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(30))));
        await run;
        // Killed and reaped: a zombie keeps its /proc entry until waited for.
        Assert.False(await Eventually.WaitForAsync(() => Directory.Exists($"/proc/{pid}"), exists => !exists), $"journalctl {pid} outlived the stop");
    }

    [Fact]
    public async Task A_journalctl_that_gives_up_says_why_in_the_fault()
    {
        using var root = new TempDirectory();
        Directory.CreateDirectory(root.Combine("run/systemd/journal"));
        var fake = root.WriteFile("journalctl", "#!/bin/sh\necho 'No journal files were found.' >&2\necho 'Failed to open journal: Permission denied' >&2\nexit 1\n");
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var collector = new AuthLogCollector(
            new AuthLogCollectorOptions { Path = root.Combine("auth.log"), RootPrefix = root.Path, Journalctl = fake }, TimeProvider.System, null);

        var fault = await Assert.ThrowsAsync<InvalidOperationException>(() => collector.RunAsync(new LockedPublisher([]), CancellationToken.None));

        Assert.Equal("journalctl exited with code 1: Failed to open journal: Permission denied", fault.Message);
    }

    private static int Count(List<EcsEvent> events)
    {
        lock (events)
        {
            return events.Count;
        }
    }

    private sealed class LockedPublisher(List<EcsEvent> events) : IEventPublisher
    {
        public void Publish(EcsEvent value)
        {
            lock (events)
            {
                events.Add(value);
            }
        }
    }

    private sealed class ListPublisher(List<EcsEvent> events) : IEventPublisher
    {
        public void Publish(EcsEvent value) => events.Add(value);
    }
}
