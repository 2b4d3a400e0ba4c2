using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Audit;

namespace Atalaya.Platform.Linux.Tests.Audit;

public sealed class AuditEventMapperTests
{
    private static readonly AuditMapperContext Context = new()
    {
        Host = new HostFields { Name = "test-host" },
        ResolveUser = uid => uid == 0 ? "root" : null,
        EntityIdOf = (pid, _) => pid == 31206 ? "entity-31206" : null,
    };

    [Fact]
    public void Exec_with_hostile_argv_becomes_a_process_start_with_exact_args()
    {
        var value = Assert.Single(AuditEventMapper.Map(Assert.Single(AuditFixtures.Events("exec-hostile-argv.txt")), Context));
        Assert.Equal(EventKinds.Event, value.Event.Kind);
        Assert.Equal([EventCategories.Process], value.Event.Category);
        Assert.Equal([EventTypes.Start], value.Event.Type);
        Assert.Equal(AuditEventMapper.ActionExec, value.Event.Action);
        Assert.Equal(Datasets.Process, value.Event.Dataset);
        Assert.Equal(EventOutcomes.Success, value.Event.Outcome);
        Assert.Equal("audit-16", value.Event.Id);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1795305304256), value.Timestamp);
        var process = value.Process!;
        Assert.Equal("/usr/bin/true", process.Executable);
        Assert.Equal("true", process.Name);
        Assert.Equal(7, process.ArgsCount);
        Assert.Equal(["true", "\uFFFD\uFFFD", "a\nb", "q\"x", "sp ace", "", new string('x', 102_400)], process.Args!);
        Assert.StartsWith("true \uFFFD\uFFFD \"a\nb\" \"q\\\"x\" \"sp ace\" \"\" xxxx", process.CommandLine, StringComparison.Ordinal);
        Assert.Equal("/tmp/atalaya-cap", process.WorkingDirectory);
        Assert.Equal(value.Timestamp, process.Start);
        Assert.Equal("0", process.User!.Id);
        Assert.Equal("root", process.User.Name);
        Assert.NotNull(process.Parent);
        Assert.Null(value.Atalaya!.Partial);
        Assert.Equal("test-host", value.Host!.Name);

        // The SYSCALL and PATH records as audit printed them, for Sigma's auditd rules.
        var audit = value.Atalaya.Audit!;
        Assert.Equal("execve", audit.Syscall);
        Assert.Equal("atalaya-exec", audit.Key);
        Assert.True(audit.Success);
        Assert.Equal(0, audit.Exit);
        Assert.Equal(["7f08e2a576b0", "7f08e2836e30", "7ffc5a65cef8", "7f08e2aee6a0"], audit.Arguments!);
        Assert.Null(audit.Auid);
        Assert.Equal("0", audit.Euid);
        Assert.Equal(
            [("/usr/bin/true", "NORMAL"), ("/lib64/ld-linux-x86-64.so.2", "NORMAL")],
            audit.Paths!.Select(p => (p.Name!, p.Nametype!)));
    }

    [Fact]
    public void Connect_accept_and_bind_carry_the_address_pid_and_result()
    {
        var events = AuditFixtures.Events("net-connect-accept.txt").SelectMany(e => AuditEventMapper.Map(e, Context)).ToList();

        // exec of python3, then bind/connect/accept4 over IPv4, the same over IPv6, and one UDP connect.
        Assert.Equal(
            [AuditEventMapper.ActionExec, AuditEventMapper.ActionBind, AuditEventMapper.ActionConnect, AuditEventMapper.ActionAccept,
             AuditEventMapper.ActionBind, AuditEventMapper.ActionConnect, AuditEventMapper.ActionAccept, AuditEventMapper.ActionConnect],
            events.Select(e => e.Event.Action));
        var connect = events[2];
        Assert.Equal([EventCategories.Network], connect.Event.Category);
        Assert.Equal([EventTypes.Connection], connect.Event.Type);
        Assert.Equal(EventOutcomes.Success, connect.Event.Outcome);
        Assert.Equal(31206, connect.Process!.Pid);
        Assert.Equal("entity-31206", connect.Process.EntityId);
        Assert.Equal("/usr/bin/python3.11", connect.Process.Executable);
        Assert.Equal("python3", connect.Process.Name);
        Assert.Equal(31195, connect.Process.Parent!.Pid);
        Assert.Equal("127.0.0.1", connect.Destination!.Ip);
        Assert.Equal(39677, connect.Destination.Port);
        Assert.Null(connect.Source);
        Assert.Equal("egress", connect.Network!.Direction);
        Assert.Equal("ipv4", connect.Network.Type);
        Assert.Null(connect.Network.Transport);
        Assert.Equal(["127.0.0.1"], connect.Related!.Ip!);

        var accept = events[3];
        Assert.Equal("ingress", accept.Network!.Direction);
        Assert.Equal(35640, accept.Destination!.Port);

        var bind6 = events[4];
        Assert.Equal([EventTypes.Info], bind6.Event.Type);
        Assert.Equal("::1", bind6.Source!.Ip);
        Assert.Equal(0, bind6.Source.Port);
        Assert.Null(bind6.Destination);
        Assert.Equal("::1", events[5].Destination!.Ip);
        Assert.Equal(51255, events[5].Destination!.Port);
        Assert.Equal("ipv6", events[5].Network!.Type);
        Assert.Equal(9, events[7].Destination!.Port);
        Assert.Equal("connect", connect.Atalaya!.Audit!.Syscall);
        Assert.Equal("atalaya-net", connect.Atalaya.Audit.Key);
        Assert.Null(connect.Atalaya.Audit.Paths);
        Assert.Equal("accept4", accept.Atalaya!.Audit!.Syscall);
    }

    [Fact]
    public void Refused_connect_is_a_failure()
    {
        var records = new[]
        {
            "audit(1795304978.904:8): arch=c000003e syscall=42 success=no exit=-111 a0=3 a1=55864fb27b20 a2=10 a3=7ff6f3f08ac0 items=0 ppid=23483 pid=23494 auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=4294967295 comm=\"bash\" exe=\"/usr/bin/bash\" key=\"atalaya-net\"",
            "audit(1795304978.904:8): saddr=020000017F0000010000000000000000",
        };
        var audit = new AuditEvent(8, [Parse(AuditMessageType.Syscall, records[0]), Parse(AuditMessageType.Sockaddr, records[1])], complete: true);
        var value = Assert.Single(AuditEventMapper.Map(audit, Context));
        Assert.Equal(EventOutcomes.Failure, value.Event.Outcome);
        Assert.Equal(1, value.Destination!.Port);
        Assert.Equal("/usr/bin/bash", value.Process!.Executable);
        Assert.Null(value.Process.EntityId);
        Assert.False(value.Atalaya!.Audit!.Success);
        Assert.Equal(-111, value.Atalaya.Audit.Exit);
        Assert.Equal(["3", "55864fb27b20", "10", "7ff6f3f08ac0"], value.Atalaya.Audit.Arguments!);
    }

    [Fact]
    public void Watched_directory_writes_become_file_events_with_the_writer()
    {
        var events = AuditFixtures.Events("file-watch.txt").SelectMany(e => AuditEventMapper.Map(e, Context))
            .Where(e => e.Event.Category.Contains(EventCategories.File)).ToList();

        // echo x > f1; echo y >> f1; chmod 600 f1; mv f1 f2; rm f2
        Assert.Equal(
            [(AuditEventMapper.ActionFileCreated, "/tmp/atalaya-cap/w/f1", "bash"), (AuditEventMapper.ActionFileChanged, "/tmp/atalaya-cap/w/f1", "bash"),
             (AuditEventMapper.ActionFileChanged, "/tmp/atalaya-cap/w/f1", "chmod"), (AuditEventMapper.ActionFileDeleted, "/tmp/atalaya-cap/w/f1", "mv"),
             (AuditEventMapper.ActionFileCreated, "/tmp/atalaya-cap/w/f2", "mv"), (AuditEventMapper.ActionFileDeleted, "/tmp/atalaya-cap/w/f2", "rm")],
            events.Select(e => (e.Event.Action!, e.File!.Path!, e.Process!.Name!)));
        Assert.All(events, e => Assert.Equal(Datasets.File, e.Event.Dataset));
        Assert.Equal([EventTypes.Creation], events[0].Event.Type);
        Assert.Equal([EventTypes.Deletion], events[5].Event.Type);
        Assert.Equal("f2", events[5].File!.Name);
        Assert.Equal("/usr/bin/rm", events[5].Process!.Executable);

        // One PATH record per file event: the path it is about, with audit's nametype.
        Assert.Equal(
            ["CREATE", "NORMAL", "NORMAL", "DELETE", "CREATE", "DELETE"],
            events.Select(e => Assert.Single(e.Atalaya!.Audit!.Paths!).Nametype!));
        Assert.All(events, e => Assert.Equal("atalaya-watch", e.Atalaya!.Audit!.Key));
        Assert.Equal("unlinkat", events[5].Atalaya!.Audit!.Syscall);
    }

    [Fact]
    public void Records_without_syscall_or_of_other_keys_map_to_nothing()
    {
        var config = Parse(AuditMessageType.ConfigChange, "audit(1795304978.880:2): op=set audit_pid=23483 old=0 auid=4294967295 ses=4294967295 res=1");
        Assert.Empty(AuditEventMapper.Map(new AuditEvent(2, [config], complete: false), Context));
    }

    private static AuditRecord Parse(int type, string text)
    {
        Assert.True(AuditRecordParser.TryParse(type, text, out var record));
        return record;
    }
}
