using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Atalaya.Core.Analytics;
using Atalaya.Core.Analytics.Network;
using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Audit;
using Atalaya.Platform.Linux.Hashing;
using Atalaya.Platform.Linux.Host;
using Atalaya.Platform.Linux.Network.SockDiag;
using Atalaya.Platform.Linux.Processes;
using Atalaya.TestKit;

namespace Atalaya.Platform.Linux.Tests.Audit;

/// <summary>
/// The audit sensor live beside the sensors it completes: the process connector (one start event per
/// exec, audit's argv in it) and sock_diag (owners of connections too short for any dump).
/// </summary>
[Collection(KernelAuditCollection.Name)]
public sealed class AuditMergeLiveTests
{
    [AuditSkippableFact]
    public async Task Each_exec_seen_by_both_sensors_is_one_start_event_with_exact_argv_and_proc_enrichment()
    {
        if (!NetlinkProcessCollector.Probe(new NetlinkProcessCollectorOptions(), out var why))
        {
            Skip.If(true, "proc connector unavailable: " + why);
        }

        const int Count = 300;
        var before = AuditSession.TryReadStatus(out _)!.Value;
        var marker = "atalaya-merge-" + Guid.NewGuid().ToString("N");
        var correlator = new ExecCorrelator();
        var host = LinuxHostInfo.Read();
        var events = new Publisher();
        var connector = new NetlinkProcessCollector(new NetlinkProcessCollectorOptions(), TimeProvider.System, host, new ExecutableHashCache(),
            new UserNameResolver()) { ExecCorrelator = correlator };
        using var stop = new CancellationTokenSource();
        var connectorRun = connector.RunAsync(events, stop.Token);
        await Eventually.WaitForAsync(() => events.Events.Any(e => e.Event.Action == ProcfsProcessCollector.ActionRunning), any => any);
        var audit = new AuditCollector(new AuditCollectorOptions { ExplicitRules = [LiveAudit.ExecRule()] }, TimeProvider.System, host, new UserNameResolver())
        {
            ExecCorrelator = correlator,
        };
        var auditRun = Task.Run(() => audit.RunAsync(events, stop.Token));
        try
        {
            Assert.Equal(1, await Eventually.WaitForAsync(() => audit.Counters.Get(AuditCounterNames.Available), v => v == 1, attempts: 100, delayMilliseconds: 50));
            int sleeperPid;
            var shellPid = 0;
            using (var sleeper = SpawnedProcess.Start("/usr/bin/python3", ["-c", "import time; time.sleep(3)", marker]))
            {
                sleeperPid = sleeper.Pid;
                using var shell = SpawnedProcess.Start("/bin/bash", ["-c", $"for i in $(seq 1 {Count}); do /usr/bin/true {marker} \"$i\"; done"]);
                shellPid = shell.Pid;
                Assert.True(shell.WaitForExit(TimeSpan.FromSeconds(120)));
                await Eventually.WaitForAsync(() => events.Events.Count(e => e.Process?.Parent?.Pid == shellPid && e.Event.Type.Contains(EventTypes.Start)),
                    n => n >= Count + 1, attempts: 200);

                // Past every wait: a duplicate would have been published by now.
                await Task.Delay(500);
            }

            // One start per exec (by pid, whatever each carries), every argv exact: in the start, or
            // — when audit's record came after the wait on a loaded host — in its completion.
            var children = events.Events.Where(e => e.Event.Category.Contains(EventCategories.Process) && e.Process?.Parent?.Pid == shellPid).ToList();
            // (the shell's other child is the $(seq ...) subshell, which execs seq)
            var burstStarts = children.Where(e => e.Event.Type.Contains(EventTypes.Start) && e.Process!.Executable != "/usr/bin/seq").ToList();
            Assert.Equal(Count, burstStarts.Count);
            Assert.Equal(Count, burstStarts.Select(e => e.Process!.Pid).Distinct().Count());
            Assert.All(burstStarts, e => Assert.Equal(ProcfsProcessCollector.ActionExec, e.Event.Action));
            var exact = children.Where(e => e.Event.Action is ProcfsProcessCollector.ActionExec or ExecCorrelator.ActionCompleted
                && e.Process!.Args is { Count: 3 } args && args[1] == marker).ToList();
            Assert.Equal(Enumerable.Range(1, Count), exact.Select(e => int.Parse(e.Process!.Args![2], CultureInfo.InvariantCulture)).Distinct().Order());
            Assert.All(exact, e => Assert.Equal(["/usr/bin/true", marker, e.Process!.Args![2]], e.Process.Args));
            Assert.DoesNotContain(events.Events, e => e.Event.Action == AuditEventMapper.ActionExec && e.Process?.Parent?.Pid == shellPid);

            // Every exec met its partner: merged in the wait, or (audit late) completed or dropped as adding nothing.
            Assert.True(correlator.Counters.Get("merged") + correlator.Counters.Get("completed") + correlator.Counters.Get("late_dropped") >= Count);
            var starts = Starts(events, marker);

            // A process that lives long enough for /proc: audit's argv with the connector's enrichment.
            var sleeperStart = Assert.Single(starts, e => e.Process!.Pid == sleeperPid);
            Assert.Equal(["/usr/bin/python3", "-c", "import time; time.sleep(3)", marker], sleeperStart.Process!.Args);
            Assert.NotNull(sleeperStart.Process.Hash?.Sha256);
            Assert.NotNull(sleeperStart.Process.EntityId);
            Assert.NotEmpty(sleeperStart.Atalaya!.Process!.Ancestry!);
            Assert.Null(sleeperStart.Atalaya.Partial);
            Assert.True(correlator.Counters.Get("merged") >= 1);
        }
        finally
        {
            await stop.CancelAsync();
            await connectorRun;
            await auditRun;
            audit.Dispose();
        }

        LiveAudit.AssertGivenBack(before);
    }

    [AuditSkippableFact]
    public async Task Connections_too_short_for_a_dump_reach_the_scan_and_beacon_analytics_with_their_owner()
    {
        var network = SockDiagConnectionCollector.TryCreate(new SockDiagConnectionCollectorOptions { Interval = TimeSpan.FromSeconds(1) },
            TimeProvider.System, null, out var reason);
        if (network is null)
        {
            Skip.If(true, "sock_diag unavailable: " + reason);
            return;
        }

        const int Connections = 30;
        const int Refused = 60;
        var before = AuditSession.TryReadStatus(out _)!.Value;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start(512);
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var closedPorts = FreePorts(Refused);
        var events = new Publisher();
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
        var networkRun = Task.Run(() => network.RunAsync(events, stop.Token));
        await Eventually.WaitForAsync(() => network.Counters.Get("close_listener_active"), v => v == 1, attempts: 100, delayMilliseconds: 50);
        var audit = new AuditCollector(new AuditCollectorOptions { ExplicitRules = LiveAudit.NetworkRules() }, TimeProvider.System, LinuxHostInfo.Read(),
            new UserNameResolver()) { ConnectHints = network.ConnectHints };
        var auditRun = Task.Run(() => audit.RunAsync(events, stop.Token));
        int pid;
        try
        {
            Assert.Equal(1, await Eventually.WaitForAsync(() => audit.Counters.Get(AuditCounterNames.Available), v => v == 1, attempts: 100, delayMilliseconds: 50));

            // A beacon: one short connection every 150 ms, then a sweep of closed ports.
            var script = "import socket,sys,time\n"
                + $"for i in range({Connections}):\n"
                + $"    s=socket.create_connection(('127.0.0.1',{port})); s.close(); time.sleep(0.15)\n"
                + $"for p in [{string.Join(',', closedPorts)}]:\n"
                + "    s=socket.socket()\n"
                + "    try: s.connect(('127.0.0.1',p))\n"
                + "    except OSError: pass\n"
                + "    s.close()\n";
            using (var client = SpawnedProcess.Start("/usr/bin/python3", ["-c", script]))
            {
                pid = client.Pid;
                Assert.True(client.WaitForExit(TimeSpan.FromSeconds(60)));
            }

            await Eventually.WaitForAsync(() => NewEgress(events, port, closedPorts).Count, n => n >= Connections + Refused, attempts: 100);
            await Task.Delay(1500);
        }
        finally
        {
            await stop.CancelAsync();
            await auditRun;
            await networkRun;
            await accepting;
            audit.Dispose();
            network.Dispose();
        }

        LiveAudit.AssertGivenBack(before);

        // Each connection counted once, every one with its owner: the beacons by their unseen closes
        // (audit's successful connects are not counted again), the refused sweep by audit's records.
        var beacons = NewEgress(events, port, []);
        Assert.Equal(Connections, beacons.Count);
        Assert.All(beacons, e => Assert.True(e.Event.Action == "connection-opened" || e.Atalaya?.Network?.Unseen == true));
        Assert.Equal(Connections, events.Events.Count(e => e.Event.Action == AuditEventMapper.ActionConnect && e.Destination?.Port == port));
        Assert.True(beacons.Count(e => e.Event.Start is not null) >= Connections / 2);
        var sweep = NewEgress(events, 0, closedPorts);
        Assert.All(sweep, e => Assert.Equal(AuditEventMapper.ActionConnect, e.Event.Action));
        Assert.True(Refused == sweep.Count, string.Join("\n", events.Events.Where(e => e.Destination?.Port is { } p && closedPorts.Contains(p)).Take(5)
            .Select(e => $"{e.Event.Action} {e.Event.Start} {e.Atalaya?.Network?.Sensor} {e.Atalaya?.Network?.Unseen} {e.Process?.Pid} {e.Network?.Direction}")));
        Assert.All(beacons.Concat(sweep), e =>
        {
            Assert.Equal(pid, e.Process?.Pid);
            Assert.StartsWith("/usr/bin/python3", e.Process!.Executable, StringComparison.Ordinal);
        });
        Assert.True(audit.Counters.Get(AuditCounterNames.ConnectHints) >= Connections + Refused);

        var signals = new Signals();
        var beaconing = new BeaconingAnalytic(new BeaconingOptions { IncludeLoopback = true });
        var scan = new OutboundScanAnalytic();
        foreach (var value in events.Events)
        {
            beaconing.Observe(value, signals);
            scan.Observe(value, signals);
        }

        Assert.Contains(signals.All, s => s.SourceId == beaconing.Id && s.Detail.Contains($"(pid {pid})", StringComparison.Ordinal));
        Assert.Contains(signals.All, s => s.SourceId == scan.Id && s.Detail.Contains($"(pid {pid})", StringComparison.Ordinal));
    }

    private static List<EcsEvent> Starts(Publisher events, string marker) =>
        [.. events.Events.Where(e => e.Event.Category.Contains(EventCategories.Process) && e.Event.Type.Contains(EventTypes.Start)
            && e.Process?.Args is { } args && args.Contains(marker) && args[0] != "/bin/bash")];

    private static List<EcsEvent> NewEgress(Publisher events, int port, int[] ports) =>
        [.. events.Events.Where(e => ConnectionFacts.IsNewConnection(e) && ConnectionFacts.IsEgress(e) && e.Destination?.Ip == "127.0.0.1"
            && e.Destination.Port is { } p && (p == port || ports.Contains(p)))];

    private static int[] FreePorts(int count)
    {
        // Bound then released: nothing listens there during the sweep (a refused connect each).
        var sockets = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        sockets.ForEach(s => s.Start());
        var ports = sockets.Select(s => ((IPEndPoint)s.LocalEndpoint).Port).ToArray();
        sockets.ForEach(s => s.Stop());
        return ports;
    }

    private sealed class Publisher : IEventPublisher
    {
        public ConcurrentQueue<EcsEvent> Events { get; } = new();

        public void Publish(EcsEvent value) => Events.Enqueue(value);
    }

    private sealed class Signals : ISignalSink
    {
        public ConcurrentQueue<Signal> All { get; } = new();

        public void Emit(Signal signal) => All.Enqueue(signal);
    }
}

/// <summary><see cref="AuditFactAttribute"/>'s conditions, for tests that may also skip at run time (a sensor the kernel refuses).</summary>
public sealed class AuditSkippableFactAttribute : SkippableFactAttribute
{
    public AuditSkippableFactAttribute()
    {
        if (new AuditFactAttribute().Skip is { } reason)
        {
            Skip = reason;
        }
    }
}
