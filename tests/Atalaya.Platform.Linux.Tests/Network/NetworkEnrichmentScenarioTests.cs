using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Atalaya.Core.Analytics;
using Atalaya.Core.Analytics.Network;
using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Network.Names;
using Atalaya.Platform.Linux.Network.SockDiag;
using Atalaya.TestKit;
using Xunit.Abstractions;

namespace Atalaya.Platform.Linux.Tests.Network;

/// <summary>
/// The enrichment and the half-open handshake events through the real sock_diag collector: names
/// and service names on loopback connections, half-open SYNs from a network namespace counted as
/// an inbound scan, and listener exposure of a program no package owns. Same collection as the
/// other network scenarios (one namespace address plan at a time).
/// </summary>
[Collection(NetworkScenarioCollection.Name)]
public sealed class NetworkEnrichmentScenarioTests(ITestOutputHelper output)
{
    // Raw SYNs from an address nobody answers for (198.51.100.77 is on the veth's subnet but not
    // assigned): the host's SYN-ACKs find no neighbour, no RST comes back, and each handshake
    // stays half-open (NEW_SYN_RECV) on the host while the SYN-ACK is retried.
    private const string SynScript = """
        import socket, struct, sys
        src, dst, dport, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
        def csum(b):
            if len(b) % 2:
                b += b"\0"
            s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
            while s >> 16:
                s = (s & 0xFFFF) + (s >> 16)
            return ~s & 0xFFFF
        raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        for i in range(count):
            tcp = struct.pack("!HHIIBBHHH", 41000 + i, dport, 1000 + i, 0, 5 << 4, 0x02, 64240, 0, 0)
            pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(tcp))
            tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0, 64, 6, 0, socket.inet_aton(src), socket.inet_aton(dst))
            raw.sendto(ip + tcp, (dst, 0))
        print("done", flush=True)
        """;

    [SkippableFact]
    public async Task Loopback_connections_carry_the_hosts_name_and_the_service_name()
    {
        using var root = new TempDirectory();
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        root.WriteFile("etc/hosts", "127.0.0.1 vault.loopback.test\n");
        root.WriteFile("etc/services", $"atalaya-test {port}/tcp\n");
        using var naming = new NetworkNaming(root.Path, "/proc", TimeProvider.System, ports: null, packageOwner: null, sniffDns: false, reverseDns: false);
        await using var harness = await Harness.StartAsync(naming.Enrich, null);

        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        using var accepted = await listener.AcceptTcpClientAsync();
        var localPort = ((IPEndPoint)client.Client.LocalEndPoint!).Port;

        var egress = await Eventually.WaitForAsync(
            () => harness.Events(e => e.Network?.Direction == "egress" && e.Source?.Port == localPort) is [var first, ..] ? first : null,
            e => e is not null);
        Assert.NotNull(egress);
        Assert.Equal("vault.loopback.test", egress.Destination?.Domain);
        Assert.Equal("atalaya-test", egress.Network?.Protocol);

        var listening = harness.Events(e => e.Network?.Direction == "listening" && e.Source?.Port == port) is [var l, ..] ? l : null;
        Assert.NotNull(listening);
        Assert.Equal("atalaya-test", listening.Network?.Protocol);
        Assert.Null(listening.Destination);
    }

    [SkippableFact]
    public async Task Thirty_half_open_handshakes_from_the_namespace_are_an_inbound_scan()
    {
        using var ns = NewNamespace();
        using var listener = new TcpListener(IPAddress.Parse(NetworkNamespace.HostAddress), 0);
        listener.Start(512);
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var analytic = new InboundScanAnalytic(new ScanOptions());
        await using var harness = await Harness.StartAsync(null, analytic);

        using var syns = ns.Start("python3", ["-c", SynScript, "198.51.100.77", NetworkNamespace.HostAddress, port.ToString(CultureInfo.InvariantCulture), "30"]);
        await Eventually.WaitForAsync(() => syns.StandardOutput.Contains("done", StringComparison.Ordinal) || syns.HasExited, done => done);

        var signal = await Eventually.WaitForAsync(() => harness.Signals(s => s.SourceId == $"{InboundScanAnalytic.AnalyticId}.half-open") is [var s1, ..] ? s1 : null, s => s is not null);
        var attempts = harness.Events(e => e.Event.Action == ConnectionFacts.ConnectionAttempt && e.Destination?.Ip == "198.51.100.77");
        output.WriteLine($"{attempts.Count} connection-attempt events; {signal?.Detail ?? "no signal"}; python stderr: {syns.StandardError}");
        Assert.NotNull(signal);
        Assert.Equal("source.ip:198.51.100.77", signal.EntityKey);
        Assert.All(attempts, e =>
        {
            Assert.Equal("ingress", e.Network?.Direction);
            Assert.Equal(port, e.Source?.Port);
            Assert.Contains(e.Atalaya?.Network?.State, new[] { "NEW_SYN_RECV", "SYN_RECV" });
            Assert.Equal(Environment.ProcessId, e.Process?.Pid);
        });

        // Each half-open handshake is reported once, however many cycles it stays.
        Assert.Equal(attempts.Count, attempts.Select(e => e.Destination?.Port).Distinct().Count());
        Assert.InRange(attempts.Count, 20, 30);
    }

    [SkippableFact]
    public async Task Completed_connections_from_the_namespace_make_no_half_open_finding()
    {
        using var ns = NewNamespace();
        using var listener = new TcpListener(IPAddress.Parse(NetworkNamespace.HostAddress), 0);
        listener.Start(512);
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var accepting = AcceptAllAsync(listener);
        var analytic = new InboundScanAnalytic(new ScanOptions { InboundHalfOpen = 5 });
        await using var harness = await Harness.StartAsync(null, analytic);

        const string Clients = """
            import socket, sys, time
            for i in range(10):
                s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
                time.sleep(0.1)
                s.close()
            print("done", flush=True)
            """;
        using var clients = ns.Start("python3", ["-c", Clients, NetworkNamespace.HostAddress, port.ToString(CultureInfo.InvariantCulture)]);
        await Eventually.WaitForAsync(() => clients.StandardOutput.Contains("done", StringComparison.Ordinal) || clients.HasExited, done => done);
        Assert.Contains("done", clients.StandardOutput, StringComparison.Ordinal);

        // The connections were seen (so the sensor was looking), and none was half-open.
        // (Eventually returns the last value on timeout; without the range check an idle sensor passed.)
        var seen = await Eventually.WaitForAsync(() => harness.Events(e => e.Network?.Direction == "ingress" && e.Source?.Port == port).Count, n => n >= 5);
        Assert.InRange(seen, 5, int.MaxValue);
        Assert.Empty(harness.Signals(s => s.SourceId == $"{InboundScanAnalytic.AnalyticId}.half-open"));
        listener.Stop();
        await accepting;
    }

    private static async Task AcceptAllAsync(TcpListener listener)
    {
        try
        {
            while (true)
            {
                using var accepted = await listener.AcceptTcpClientAsync();
            }
        }
        catch (Exception ex) when (ex is ObjectDisposedException or SocketException or InvalidOperationException)
        {
        }
    }

    private NetworkNamespace NewNamespace()
    {
        var ns = new NetworkNamespace();
        if (ns.UnavailableReason is { } reason)
        {
            ns.Dispose();
            output.WriteLine($"skipped: cannot create a network namespace: {reason}");
            Skip.If(true, $"cannot create a network namespace: {reason}");
        }

        return ns;
    }

    /// <summary>The sock_diag collector at 50 ms, recording events and feeding one analytic.</summary>
    private sealed class Harness : IEventPublisher, ISignalSink, IAsyncDisposable
    {
        private readonly Lock _gate = new();
        private readonly List<EcsEvent> _events = [];
        private readonly List<Signal> _signals = [];
        private readonly SockDiagConnectionCollector _collector;
        private readonly IAnalytic? _analytic;
        private readonly CancellationTokenSource _stop = new();
        private Task _run = Task.CompletedTask;

        private Harness(SockDiagConnectionCollector collector, IAnalytic? analytic)
        {
            _collector = collector;
            _analytic = analytic;
        }

        public static async Task<Harness> StartAsync(Func<EcsEvent, EcsEvent>? enrich, IAnalytic? analytic)
        {
            var collector = SockDiagConnectionCollector.TryCreate(
                new SockDiagConnectionCollectorOptions { Interval = TimeSpan.FromMilliseconds(50), Enrich = enrich }, TimeProvider.System, null, out var reason);
            Skip.If(collector is null, $"sock_diag unavailable: {reason}");
            var harness = new Harness(collector!, analytic);
            harness._run = collector!.RunAsync(harness, harness._stop.Token);
            await Eventually.WaitForAsync(() => collector.Counters.Get("snapshots"), n => n >= 2);
            return harness;
        }

        public void Publish(EcsEvent value)
        {
            lock (_gate)
            {
                _events.Add(value);
                _analytic?.Observe(value, this);
            }
        }

        public void Emit(Signal signal) => _signals.Add(signal);

        public IReadOnlyList<EcsEvent> Events(Func<EcsEvent, bool> match)
        {
            lock (_gate)
            {
                return [.. _events.Where(match)];
            }
        }

        public IReadOnlyList<Signal> Signals(Func<Signal, bool> match)
        {
            lock (_gate)
            {
                return [.. _signals.Where(match)];
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _run.WaitAsync(TimeSpan.FromSeconds(30));
            _collector.Dispose();
            _stop.Dispose();
        }
    }
}
