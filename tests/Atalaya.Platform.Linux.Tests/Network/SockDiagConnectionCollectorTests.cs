using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Network;
using Atalaya.Platform.Linux.Network.SockDiag;
using Atalaya.TestKit;

namespace Atalaya.Platform.Linux.Tests.Network;

/// <summary>
/// The sock_diag collector on this machine's kernel, with real loopback sockets (port 0, so
/// parallel runs never collide). Close notifications need CAP_NET_ADMIN: those tests skip without it.
/// </summary>
public sealed class SockDiagConnectionCollectorTests
{
    private static readonly string SelfExecutable = new FileInfo("/proc/self/exe").LinkTarget!;

    private static SockDiagConnectionCollector NewCollector(TimeSpan interval)
    {
        var collector = SockDiagConnectionCollector.TryCreate(new SockDiagConnectionCollectorOptions { Interval = interval }, TimeProvider.System, host: null, out var reason);
        Skip.If(collector is null, $"sock_diag unavailable: {reason}");
        return collector!;
    }

    private static async Task<(TcpClient Client, TcpClient Accepted)> ConnectAsync(TcpListener listener)
    {
        var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        return (client, await listener.AcceptTcpClientAsync());
    }

    private static async Task ExchangeAsync(TcpClient client, TcpClient accepted, int clientBytes, int serverBytes)
    {
        await client.GetStream().WriteAsync(new byte[clientBytes]);
        await ReadExactlyAsync(accepted, clientBytes);
        await accepted.GetStream().WriteAsync(new byte[serverBytes]);
        await ReadExactlyAsync(client, serverBytes);
    }

    private static async Task ReadExactlyAsync(TcpClient client, int count)
    {
        if (count > 0)
        {
            await client.GetStream().ReadExactlyAsync(new byte[count]);
        }
    }

    [SkippableFact]
    public async Task A_snapshot_reports_both_ends_with_bytes_each_way_rtt_and_owner()
    {
        using var collector = NewCollector(TimeSpan.FromSeconds(1));
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var (client, accepted) = await ConnectAsync(listener);
        using var c = client;
        using var a = accepted;
        await ExchangeAsync(client, accepted, 100, 2000);
        var clientPort = ((IPEndPoint)client.Client.LocalEndPoint!).Port;

        var events = collector.TakeSnapshot(CancellationToken.None);

        var listening = Assert.Single(events, e => e.Event.Action == "listening" && e.Source?.Port == port);
        Assert.Equal("loopback", listening.Atalaya?.Network?.Exposure);
        Assert.Null(listening.Source?.Bytes);
        Assert.Contains(collector.CurrentListeners, l => l.Port == port && l.Pid == Environment.ProcessId);

        var clientSide = Assert.Single(events, e => e.Event.Action == "connection-established" && e.Source?.Port == clientPort && e.Destination?.Port == port);
        var serverSide = Assert.Single(events, e => e.Event.Action == "connection-established" && e.Source?.Port == port && e.Destination?.Port == clientPort);
        Assert.Equal("egress", clientSide.Network?.Direction);
        Assert.Equal("ingress", serverSide.Network?.Direction);
        Assert.Equal((100L, 2000L, 2100L), (clientSide.Source?.Bytes, clientSide.Destination?.Bytes, clientSide.Network?.Bytes));
        Assert.Equal((2000L, 100L, 2100L), (serverSide.Source?.Bytes, serverSide.Destination?.Bytes, serverSide.Network?.Bytes));
        foreach (var side in new[] { clientSide, serverSide })
        {
            Assert.Equal(EventKinds.State, side.Event.Kind);
            Assert.Equal("tcp", side.Network?.Transport);
            Assert.Equal("ipv4", side.Network?.Type);
            Assert.Equal("ESTABLISHED", side.Atalaya?.Network?.State);
            Assert.Equal(SockDiagConnectionCollector.SensorName, side.Atalaya?.Network?.Sensor);
            Assert.True(side.Atalaya?.Network?.RttMicroseconds > 0);
            Assert.True(side.Atalaya?.Network?.Inode > 0);
            Assert.Equal(Environment.ProcessId, side.Process?.Pid);
            Assert.Equal(SelfExecutable, side.Process?.Executable);
            Assert.Equal("0", side.User?.Id);
            Assert.Null(side.Atalaya?.Network?.StandardStreams);
        }
    }

    [SkippableFact]
    public async Task Udp_and_ipv6_sockets_are_in_the_inventory_without_byte_counts()
    {
        using var collector = NewCollector(TimeSpan.FromSeconds(1));
        using var udp = new UdpClient(new IPEndPoint(IPAddress.IPv6Loopback, 0));
        var udpPort = ((IPEndPoint)udp.Client.LocalEndPoint!).Port;
        using var listener = new TcpListener(IPAddress.IPv6Loopback, 0);
        listener.Start();
        using var client = new TcpClient(AddressFamily.InterNetworkV6);
        await client.ConnectAsync(IPAddress.IPv6Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        using var accepted = await listener.AcceptTcpClientAsync();

        var events = collector.TakeSnapshot(CancellationToken.None);

        var udpListener = Assert.Single(events, e => e.Network?.Transport == "udp" && e.Source?.Port == udpPort);
        Assert.Equal("listening", udpListener.Network?.Direction);
        Assert.Equal("UNCONN", udpListener.Atalaya?.Network?.State);
        Assert.Equal("::1", udpListener.Source?.Ip);
        Assert.Null(udpListener.Source?.Bytes);
        var v6 = Assert.Single(events, e => e.Source?.Port == ((IPEndPoint)client.Client.LocalEndPoint!).Port);
        Assert.Equal(("ipv6", "::1", 0L, 0L), (v6.Network?.Type, v6.Destination?.Ip, v6.Source?.Bytes, v6.Destination?.Bytes));
    }

    [SkippableFact]
    public async Task A_tracked_connection_closes_with_final_bytes_and_a_duration()
    {
        using var collector = NewCollector(TimeSpan.FromMilliseconds(200));
        var output = new QueuePublisher();
        using var stop = new CancellationTokenSource();
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var run = collector.RunAsync(output, stop.Token);
        await Eventually.WaitForAsync(() => collector.Counters.Get(NetworkCounterNames.Snapshots), n => n >= 2);

        var (client, accepted) = await ConnectAsync(listener);
        var clientPort = ((IPEndPoint)client.Client.LocalEndPoint!).Port;
        await Eventually.WaitForAsync(() => output.Events.Count(e => e.Event.Action == "connection-opened" && e.Source?.Port == clientPort), n => n == 1);
        await ExchangeAsync(client, accepted, 1234, 567);
        client.Dispose();
        accepted.Dispose();

        var closed = await Eventually.WaitForAsync(
            () => output.Events.FirstOrDefault(e => e.Event.Action == "connection-closed" && e.Source?.Port == clientPort),
            e => e is not null);
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.NotNull(closed);
        Assert.Equal(1234L, closed.Source?.Bytes);

        // tcpi_bytes_received counts the peer's FIN: one more than its payload when the close was orderly.
        Assert.InRange(closed.Destination?.Bytes ?? -1, 567L, 568L);
        Assert.NotNull(closed.Event.Start);
        Assert.True(closed.Event.Duration >= 0);
        Assert.Equal(Environment.ProcessId, closed.Process?.Pid);
        Assert.Single(output.Events, e => e.Event.Action == "connection-closed" && e.Source?.Port == clientPort);
        Assert.Single(output.Events, e => e.Event.Action == "connection-closed" && e.Source?.Port == port && e.Destination?.Port == clientPort);
    }

    [SkippableFact]
    public async Task Fifty_connections_opened_and_closed_between_two_polls_are_all_reported_closed_with_their_bytes()
    {
        // One inventory at start, none during the test: only the destroy groups can see these.
        using var collector = NewCollector(TimeSpan.FromMinutes(10));
        var output = new QueuePublisher();
        using var stop = new CancellationTokenSource();
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var run = collector.RunAsync(output, stop.Token);
        await Eventually.WaitForAsync(
            () => collector.Counters.Get(NetworkCounterNames.CloseListenerActive) == 1 || collector.CloseNotificationsUnavailable is not null, ready => ready);
        Skip.If(collector.Counters.Get(NetworkCounterNames.CloseListenerActive) != 1, collector.CloseNotificationsUnavailable ?? "close listener not active");

        var expected = new Dictionary<int, (int Sent, int Received)>();
        for (var i = 0; i < 50; i++)
        {
            var (client, accepted) = await ConnectAsync(listener);
            expected[((IPEndPoint)client.Client.LocalEndPoint!).Port] = (10 + i, 3 * i);
            await ExchangeAsync(client, accepted, 10 + i, 3 * i);
            client.Dispose();
            accepted.Dispose();
        }

        await Eventually.WaitForAsync(
            () => output.Events.Count(e => e.Event.Action == "connection-closed" && e.Destination?.Port == port && expected.ContainsKey(e.Source?.Port ?? 0)),
            n => n >= 50);
        await Task.Delay(300);
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, collector.Counters.Get(NetworkCounterNames.Snapshots));
        foreach (var (clientPort, (sent, received)) in expected)
        {
            var clientSide = Assert.Single(output.Events, e => e.Event.Action == "connection-closed" && e.Source?.Port == clientPort && e.Destination?.Port == port);
            Assert.Equal("egress", clientSide.Network?.Direction);
            Assert.Equal(sent, clientSide.Source?.Bytes);
            Assert.InRange(clientSide.Destination?.Bytes ?? -1, received, received + 1);
            Assert.Equal(SockDiagConnectionCollector.DestroySensorName, clientSide.Atalaya?.Network?.Sensor);
            Assert.Null(clientSide.Atalaya?.Network?.Inode);

            var serverSide = Assert.Single(output.Events, e => e.Event.Action == "connection-closed" && e.Source?.Port == port && e.Destination?.Port == clientPort);
            Assert.Equal("ingress", serverSide.Network?.Direction);
            Assert.Equal(received, serverSide.Source?.Bytes);
            Assert.InRange(serverSide.Destination?.Bytes ?? -1, sent, sent + 1);

            // The accepting side inherits the listener's owner; the connecting side has none without connect hints.
            Assert.Equal(Environment.ProcessId, serverSide.Process?.Pid);
        }

        Assert.DoesNotContain(output.Events, e => e.Event.Action == "connection-opened" && e.Destination?.Port == port);
    }

    [SkippableFact]
    public async Task A_refused_connect_is_reported_as_failed()
    {
        using var collector = NewCollector(TimeSpan.FromMinutes(10));
        var output = new QueuePublisher();
        using var stop = new CancellationTokenSource();
        var run = collector.RunAsync(output, stop.Token);
        await Eventually.WaitForAsync(
            () => collector.Counters.Get(NetworkCounterNames.CloseListenerActive) == 1 || collector.CloseNotificationsUnavailable is not null, ready => ready);
        Skip.If(collector.Counters.Get(NetworkCounterNames.CloseListenerActive) != 1, collector.CloseNotificationsUnavailable ?? "close listener not active");

        // A port that was just free: nothing listens there, the kernel answers RST.
        int closedPort;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            closedPort = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        using (var client = new TcpClient())
        {
            await Assert.ThrowsAsync<SocketException>(() => client.ConnectAsync(IPAddress.Loopback, closedPort));
        }

        var failed = await Eventually.WaitForAsync(
            () => output.Events.FirstOrDefault(e => e.Destination?.Port == closedPort),
            e => e is not null);
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("connection-failed", failed?.Event.Action);
        Assert.Equal("egress", failed?.Network?.Direction);
        Assert.Equal(0L, failed?.Source?.Bytes);
    }

    private sealed class QueuePublisher : IEventPublisher
    {
        private readonly ConcurrentQueue<EcsEvent> _events = new();

        public IReadOnlyCollection<EcsEvent> Events => _events;

        public void Publish(EcsEvent value) => _events.Enqueue(value);
    }
}
