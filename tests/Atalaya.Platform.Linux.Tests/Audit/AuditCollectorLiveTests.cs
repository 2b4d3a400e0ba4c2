using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Audit;
using Atalaya.TestKit;

namespace Atalaya.Platform.Linux.Tests.Audit;

/// <summary>
/// The audit sensor on the real kernel: each test installs only the rules it exercises, makes real
/// syscalls from child processes, and checks on dispose that the rules are gone and the subsystem is
/// back as it was.
/// </summary>
[Collection(KernelAuditCollection.Name)]
public sealed class AuditCollectorLiveTests
{
    [AuditFact]
    public async Task A_burst_of_1000_one_millisecond_processes_is_recorded_with_exact_argv()
    {
        var before = AuditSession.TryReadStatus(out _)!.Value;
        var marker = "atalaya-burst-" + Guid.NewGuid().ToString("N");
        await using (var live = await LiveAudit.StartAsync([LiveAudit.ExecRule()]))
        {
            using (var shell = SpawnedProcess.Start("/bin/bash", ["-c", $"for i in $(seq 1 1000); do /usr/bin/true {marker} \"$i\"; done"]))
            {
                Assert.True(shell.WaitForExit(TimeSpan.FromSeconds(120)));
            }

            var seen = await Eventually.WaitForAsync(() => Burst(live, marker).Count, n => n >= 1000, attempts: 200);
            var events = Burst(live, marker);
            Assert.Equal(1000, seen);
            Assert.Equal(1000, events.Count);
            Assert.Equal(Enumerable.Range(1, 1000).Select(i => i.ToString(CultureInfo.InvariantCulture)),
                events.Select(e => e.Process!.Args![2]).Order(StringComparer.Ordinal).Select(int.Parse).Order().Select(i => i.ToString(CultureInfo.InvariantCulture)));
            Assert.All(events, e =>
            {
                Assert.Equal(["/usr/bin/true", marker, e.Process!.Args![2]], e.Process.Args);
                Assert.Equal("/usr/bin/true", e.Process.Executable);
                Assert.Equal("true", e.Process.Name);
                Assert.Equal(EventOutcomes.Success, e.Event.Outcome);
                Assert.Null(e.Atalaya?.Partial);
                Assert.Equal("execve", e.Atalaya?.Audit?.Syscall);
            });
            Assert.Equal(0, live.Collector.Counters.Get(AuditCounterNames.KernelLost));
        }

        LiveAudit.AssertGivenBack(before);
    }

    [AuditFact]
    public async Task Two_hundred_short_loopback_connections_are_all_attributed_to_the_connecting_pid()
    {
        var before = AuditSession.TryReadStatus(out _)!.Value;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start(512);
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var stop = new CancellationTokenSource();
        var accepting = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var client = await listener.AcceptTcpClientAsync(stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });

        await using (var live = await LiveAudit.StartAsync(LiveAudit.NetworkRules()))
        {
            int pid;

            // Each connection opens and closes at once (well under 5 ms): no poll would ever see it.
            using (var shell = SpawnedProcess.Start("/bin/bash", ["-c", $"for i in $(seq 1 200); do exec 3<>/dev/tcp/127.0.0.1/{port}; exec 3>&-; done"]))
            {
                pid = shell.Pid;
                Assert.True(shell.WaitForExit(TimeSpan.FromSeconds(60)));
            }

            var count = await Eventually.WaitForAsync(() => Connects(live, port).Count, n => n >= 200, attempts: 200);
            Assert.Equal(200, count);
            Assert.All(Connects(live, port), e =>
            {
                Assert.Equal(pid, e.Process!.Pid);
                Assert.Equal("/usr/bin/bash", e.Process.Executable);
                Assert.Equal("bash", e.Process.Name);
                Assert.Equal("127.0.0.1", e.Destination!.Ip);
                Assert.Equal(EventOutcomes.Success, e.Event.Outcome);
                Assert.Equal("egress", e.Network!.Direction);
                Assert.Equal([EventCategories.Network], e.Event.Category);
            });
        }

        await stop.CancelAsync();
        await accepting;
        LiveAudit.AssertGivenBack(before);
    }

    [AuditFact]
    public async Task A_write_to_a_watched_file_is_attributed_to_the_writer()
    {
        var before = AuditSession.TryReadStatus(out _)!.Value;
        using var directory = new TempDirectory("atalaya-audit-watch-");
        var target = directory.Combine("watched.conf");
        File.WriteAllText(target, "before\n");
        var rule = AuditRuleSet.Watch(target, WatchTarget.File, AuditRuleConstants.PermWrite | AuditRuleConstants.PermAttr, AuditKeys.Watch);
        await using (var live = await LiveAudit.StartAsync([rule]))
        {
            int pid;
            using (var writer = SpawnedProcess.Start("/bin/sh", ["-c", "echo tampered >> \"$0\"", target]))
            {
                pid = writer.Pid;
                Assert.True(writer.WaitForExit(TimeSpan.FromSeconds(30)));
            }

            var hits = await Eventually.WaitForAsync(
                () => live.Events.Where(e => e.File?.Path == target && e.Process?.Pid == pid).ToList(), l => l.Count > 0, attempts: 100);
            var hit = Assert.Single(hits);
            Assert.Equal(AuditEventMapper.ActionFileChanged, hit.Event.Action);
            Assert.Equal([EventCategories.File], hit.Event.Category);
            Assert.Equal([EventTypes.Change], hit.Event.Type);
            Assert.Equal("watched.conf", hit.File!.Name);
            Assert.Equal(Path.GetFullPath(ResolveLink("/bin/sh")), hit.Process!.Executable);
            Assert.Equal("0", hit.Process.User!.Id);
            Assert.Equal("root", hit.Process.User.Name);
        }

        LiveAudit.AssertGivenBack(before);
    }

    [AuditFact]
    public async Task Hostile_argv_is_recorded_byte_for_byte()
    {
        var before = AuditSession.TryReadStatus(out _)!.Value;
        var marker = "atalaya-hostile-" + Guid.NewGuid().ToString("N");
        byte[][] expected =
        [
            "/usr/bin/true"u8.ToArray(), System.Text.Encoding.ASCII.GetBytes(marker), [0xFF, 0xFE, 0x80], "line1\nline2\r\n"u8.ToArray(),
            "\"quoted\" 'single' $(x) `y`"u8.ToArray(), [], "tab\there"u8.ToArray(), Enumerable.Repeat((byte)'A', 100 * 1024).ToArray(),
        ];
        // Passed hex-encoded through python's own argv, except the 100 KiB one: in hex it would pass the
        // kernel's 128 KiB per-argument limit (MAX_ARG_STRLEN) on the way in.
        var script = "import os,sys; a=[b'A'*102400 if h=='BIG' else bytes.fromhex(h) for h in sys.argv[1:]]; os.execv(a[0], a)";
        await using (var live = await LiveAudit.StartAsync([LiveAudit.ExecRule()]))
        {
            using (var python = SpawnedProcess.Start("/usr/bin/python3", ["-c", script, .. expected.Select(b => b.Length == 100 * 1024 ? "BIG" : Convert.ToHexString(b))]))
            {
                Assert.True(python.WaitForExit(TimeSpan.FromSeconds(30)));
            }

            var audit = await Eventually.WaitForAsync(() => live.Assembled.FirstOrDefault(e => ArgvOf(e) is { Count: > 1 } a && a[1].AsSpan().SequenceEqual(expected[1])),
                e => e is not null, attempts: 100);
            Assert.NotNull(audit);
            Assert.True(audit.Complete);
            Assert.True(AuditExecveDecoder.TryDecode(audit.OfType(AuditMessageType.Execve), out var argv));
            Assert.Equal(expected.Length, argv.Count);
            for (var i = 0; i < expected.Length; i++)
            {
                Assert.Equal(expected[i], argv[i]);
            }

            // Assembled is raised just before the event is mapped and published.
            var id = "audit-" + audit.Serial.ToString(CultureInfo.InvariantCulture);
            var mapped = await Eventually.WaitForAsync(() => live.Events.FirstOrDefault(e => e.Event.Id == id), e => e is not null, attempts: 50);
            Assert.NotNull(mapped);
            Assert.Equal(expected.Select(b => AuditValue.Utf8.GetString(b)), mapped.Process!.Args!);
            Assert.Null(mapped.Atalaya?.Partial);
        }

        LiveAudit.AssertGivenBack(before);
    }

    private static List<byte[]>? ArgvOf(AuditEvent audit)
    {
        AuditExecveDecoder.TryDecode(audit.OfType(AuditMessageType.Execve), out var argv);
        return argv;
    }

    private static List<EcsEvent> Burst(LiveAudit live, string marker) =>
        live.Events.Where(e => e.Process?.Args is { Count: 3 } a && a[1] == marker).ToList();

    private static List<EcsEvent> Connects(LiveAudit live, int port) =>
        live.Events.Where(e => e.Event.Action == AuditEventMapper.ActionConnect && e.Destination?.Port == port).ToList();

    /// <summary>realpath for the test's own check: /bin is a link to usr/bin on merged-/usr systems, /bin/sh a link to dash.</summary>
    private static string ResolveLink(string path)
    {
        var directory = Path.GetDirectoryName(path)!;
        var realDirectory = new DirectoryInfo(directory).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? directory;
        var file = Path.Combine(realDirectory, Path.GetFileName(path));
        var target = new FileInfo(file).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? file;
        return target.StartsWith("/bin/", StringComparison.Ordinal) || target.StartsWith("/sbin/", StringComparison.Ordinal) ? ResolveLink(target) : target;
    }
}
