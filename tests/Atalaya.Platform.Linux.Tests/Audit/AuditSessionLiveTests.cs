using Atalaya.Platform.Linux.Audit;
using Atalaya.TestKit;

namespace Atalaya.Platform.Linux.Tests.Audit;

[Collection(KernelAuditCollection.Name)]
public sealed class AuditSessionLiveTests
{
    [AuditFact]
    public void Rules_left_by_a_crashed_run_are_removed_at_start_and_ours_at_exit()
    {
        var before = AuditSession.TryReadStatus(out _)!.Value;
        using var directory = new TempDirectory("atalaya-audit-stale-");

        // What a run killed before cleanup leaves behind: a rule carrying our key prefix.
        var stale = AuditRuleSet.Watch(directory.Path, WatchTarget.Directory, AuditRuleConstants.PermWrite, AuditKeys.Prefix + "-stale-test");
        using (var control = AuditNetlinkClient.TryOpen(out var errno) ?? throw new InvalidOperationException("errno " + errno))
        {
            Assert.Equal(0, control.AddRule(stale));
            Assert.Contains(control.ListRules(), r => r.Rule.Equals(stale));
        }

        var exec = LiveAudit.ExecRule();
        using (var session = AuditSession.TryStart(new AuditSessionOptions { Rules = [exec] }, out var reason))
        {
            Assert.True(session is not null, reason);
            Assert.Equal(1, session.StaleRulesRemoved);
            Assert.Equal([exec], session.InstalledRules);
            Assert.Empty(session.Refused);
            var status = session.ReadStatus();
            Assert.Equal((uint)Environment.ProcessId, status.Pid);
            Assert.Equal(1u, status.Enabled);
            Assert.Equal(32_768u, status.BacklogLimit);
            using var control = AuditNetlinkClient.TryOpen(out _)!;
            var ours = control.ListRules().Where(r => AuditKeys.IsOurs(r.Rule.Key)).Select(r => r.Rule).ToList();
            Assert.Equal([exec], ours);
        }

        LiveAudit.AssertGivenBack(before);
    }

    [AuditFact]
    public void Another_registered_daemon_is_reported_and_not_replaced()
    {
        var before = AuditSession.TryReadStatus(out _)!.Value;

        // A minimal "auditd": registers its own pid with AUDIT_SET and waits.
        const string daemon = """
            import os, socket, struct, time
            s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 9); s.bind((0, 0))
            st = struct.pack("=11I", 4, 0, 0, os.getpid(), 0, 0, 0, 0, 0, 0, 0)
            s.send(struct.pack("=IHHII", 16 + len(st), 1001, 5, 1, 0) + st)
            print("ack", struct.unpack("=i", s.recv(65536)[16:20])[0], flush=True)
            time.sleep(120)
            """;
        using (var other = SpawnedProcess.Start("/usr/bin/python3", ["-c", daemon], redirectOutput: true))
        {
            var output = Eventually.WaitForAsync(() => other.StandardOutput, o => o.Contains("ack", StringComparison.Ordinal), attempts: 100).Result;
            Assert.Contains("ack 0", output, StringComparison.Ordinal);
            Assert.Equal((uint)other.Pid, AuditSession.TryReadStatus(out _)!.Value.Pid);

            using var session = AuditSession.TryStart(new AuditSessionOptions { Rules = [LiveAudit.ExecRule()] }, out var reason);
            Assert.Null(session);
            Assert.Equal($"audit: owned by pid {other.Pid} (python3)", reason);
            Assert.Equal((uint)other.Pid, AuditSession.TryReadStatus(out _)!.Value.Pid);
            using var control = AuditNetlinkClient.TryOpen(out _)!;
            Assert.DoesNotContain(control.ListRules(), r => AuditKeys.IsOurs(r.Rule.Key));
            other.Kill();
        }

        // The dead daemon stays registered until the kernel probes it: a start replaces it, its dispose clears it.
        using (var session = AuditSession.TryStart(new AuditSessionOptions { Rules = [] }, out var reason))
        {
            Assert.True(session is not null, reason);
        }

        LiveAudit.AssertGivenBack(before with { Pid = 0 });
    }
}
