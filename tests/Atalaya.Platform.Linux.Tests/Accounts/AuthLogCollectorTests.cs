using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Accounts;
using Atalaya.TestKit;

namespace Atalaya.Platform.Linux.Tests.Accounts;

public sealed class AuthLogCollectorTests
{
    [Fact]
    public void Follows_appends_partial_lines_rotation_and_truncation()
    {
        using var directory = new TempDirectory();
        var path = directory.WriteFile("auth.log", "2025-05-20T10:00:00+00:00 vm sshd[1]: Failed password for root from 203.0.113.9 port 1 ssh2\n");
        var collector = new AuthLogCollector(new AuthLogCollectorOptions { Path = path }, TimeProvider.System, null);
        var output = new Collect();

        // The first pass starts at the end: history before the agent is not replayed.
        collector.Poll(output, fromStart: false);
        Assert.Empty(output.Events);

        File.AppendAllText(path, "2025-05-20T10:00:05+00:00 vm sshd[2]: Accepted password for ana from 198.51.100.7 port 5 ssh2\n2025-05-20T10:00:06+00:00 vm sudo:      ana : TTY=pts/0 ; PWD=/ ; USER=root ; COMM");
        collector.Poll(output, fromStart: false);
        var ssh = Assert.Single(output.Events);
        Assert.Equal((AccountActions.SshAccepted, EventOutcomes.Success, "ana", "198.51.100.7", 5), (ssh.Event.Action, ssh.Event.Outcome, ssh.User?.Name, ssh.Source?.Ip, ssh.Source?.Port));
        Assert.Equal(("sshd", 2, "password"), (ssh.Process?.Name, ssh.Process?.Pid, ssh.Atalaya?.Account?.AuthMethod));
        Assert.Equal(new DateTimeOffset(2025, 5, 20, 10, 0, 5, TimeSpan.Zero), ssh.Timestamp);

        File.AppendAllText(path, "AND=/usr/bin/id\nnot a syslog line\n");
        collector.Poll(output, fromStart: false);
        var sudo = output.Events[1];
        Assert.Equal((AccountActions.Sudo, "/usr/bin/id", "root"), (sudo.Event.Action, sudo.Process?.CommandLine, sudo.Atalaya?.Account?.TargetUser));
        Assert.Equal(1, collector.Counters.Get("parse_errors"));

        // Truncated in place (same inode): reported, then read from the start.
        using (var stream = new FileStream(path, FileMode.Open))
        {
            stream.SetLength(0);
        }

        File.AppendAllText(path, "x\n");
        collector.Poll(output, fromStart: false);
        Assert.Equal(AuthLogCollector.ActionLogTruncated, output.Events[2].Event.Action);
        Assert.Equal(2L, output.Events[2].File?.Size);

        // Rotated (new inode): the new file is read from its start.
        File.Move(path, path + ".1");
        File.WriteAllText(path, "May 20 10:01:00 vm su[9]: FAILED SU (to root) ana on pts/0\n");
        collector.Poll(output, fromStart: false);
        Assert.Equal(AccountActions.SuFailed, output.Events[^1].Event.Action);
        Assert.Equal(1, collector.Counters.Get("rotations"));
    }

    private sealed class Collect : IEventPublisher
    {
        public List<EcsEvent> Events { get; } = [];

        public void Publish(EcsEvent value) => Events.Add(value);
    }
}
