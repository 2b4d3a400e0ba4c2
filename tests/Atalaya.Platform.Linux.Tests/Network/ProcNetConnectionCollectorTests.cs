using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Network;
using Atalaya.TestKit;

namespace Atalaya.Platform.Linux.Tests.Network;

/// <summary>
/// The collector on this machine's kernel. Sockets are opened by the test on 127.0.0.1 and ::1 only,
/// with port 0 so parallel runs never collide; every process started is killed by its pid.
/// </summary>
public sealed class ProcNetConnectionCollectorTests
{
    private static readonly string SelfExecutable = new FileInfo("/proc/self/exe").LinkTarget!;

    private static ProcNetConnectionCollector NewCollector(TimeSpan? interval = null) =>
        new(new ProcNetConnectionCollectorOptions { Interval = interval ?? TimeSpan.FromSeconds(1) }, TimeProvider.System, host: null);

    private static EcsEvent? Listening(IEnumerable<EcsEvent> events, string transport, int port) =>
        events.SingleOrDefault(e => e.Event.Action == "listening" && e.Network?.Transport == transport && e.Source?.Port == port);

    private static EcsEvent? Connection(IEnumerable<EcsEvent> events, string action, int localPort, int remotePort) =>
        events.SingleOrDefault(e => e.Event.Action == action && e.Network?.Transport == "tcp"
            && e.Source?.Port == localPort && e.Destination?.Port == remotePort);

    [Fact]
    public void A_loopback_listener_is_reported_with_this_process_as_owner()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var collector = NewCollector();

        var found = Listening(collector.TakeSnapshot(CancellationToken.None), "tcp", port);

        Assert.NotNull(found);
        Assert.Equal(EventKinds.State, found.Event.Kind);
        Assert.Equal([EventTypes.Info], found.Event.Type);
        Assert.Equal("listening", found.Network?.Direction);
        Assert.Equal("ipv4", found.Network?.Type);
        Assert.Equal("127.0.0.1", found.Source?.Ip);
        Assert.Null(found.Destination);
        Assert.Equal("loopback", found.Atalaya?.Network?.Exposure);
        Assert.Equal("LISTEN", found.Atalaya?.Network?.State);
        Assert.Equal(Environment.ProcessId, found.Process?.Pid);
        Assert.Equal(SelfExecutable, found.Process?.Executable);
        Assert.False(string.IsNullOrEmpty(found.Process?.Name));
        Assert.Equal("0", found.User?.Id);
        Assert.Contains(collector.CurrentListeners, l => l.Port == port && l.Transport == "tcp" && l.Pid == Environment.ProcessId);
    }

    [Fact]
    public void A_listener_on_every_interface_is_exposed_on_all_interfaces()
    {
        using var listener = new TcpListener(IPAddress.Any, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        var found = Listening(NewCollector().TakeSnapshot(CancellationToken.None), "tcp", port);

        Assert.NotNull(found);
        Assert.Equal("0.0.0.0", found.Source?.Ip);
        Assert.Equal("all-interfaces", found.Atalaya?.Network?.Exposure);
        Assert.Equal(Environment.ProcessId, found.Process?.Pid);
    }

    [Fact]
    public void An_ipv6_loopback_listener_is_ipv6_and_loopback()
    {
        using var listener = new TcpListener(IPAddress.IPv6Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        var found = Listening(NewCollector().TakeSnapshot(CancellationToken.None), "tcp", port);

        Assert.NotNull(found);
        Assert.Equal("ipv6", found.Network?.Type);
        Assert.Equal("::1", found.Source?.Ip);
        Assert.Equal("loopback", found.Atalaya?.Network?.Exposure);
        Assert.Equal(Environment.ProcessId, found.Process?.Pid);
    }

    [Fact]
    public async Task A_loopback_connection_is_ingress_on_the_accepting_side_and_egress_on_the_client()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        using var accepted = await listener.AcceptTcpClientAsync();
        var clientPort = ((IPEndPoint)client.Client.LocalEndPoint!).Port;

        var events = NewCollector().TakeSnapshot(CancellationToken.None);

        var clientSide = Connection(events, "connection-established", clientPort, port);
        var serverSide = Connection(events, "connection-established", port, clientPort);
        Assert.NotNull(clientSide);
        Assert.NotNull(serverSide);
        Assert.Equal("egress", clientSide.Network?.Direction);
        Assert.Equal("ingress", serverSide.Network?.Direction);
        foreach (var side in new[] { clientSide, serverSide })
        {
            Assert.Equal("ESTABLISHED", side.Atalaya?.Network?.State);
            Assert.Equal("127.0.0.1", side.Source?.Ip);
            Assert.Equal("127.0.0.1", side.Destination?.Ip);
            Assert.Equal(["127.0.0.1"], side.Related?.Ip);
            Assert.Equal(Environment.ProcessId, side.Process?.Pid);
        }

        Assert.NotEqual(clientSide.Atalaya?.Network?.Inode, serverSide.Atalaya?.Network?.Inode);
    }

    [Fact]
    public async Task An_ipv4_peer_of_a_dual_stack_listener_is_reported_as_ipv4()
    {
        using var listenSocket = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp) { DualMode = true };
        listenSocket.Bind(new IPEndPoint(IPAddress.IPv6Any, 0));
        listenSocket.Listen();
        var port = ((IPEndPoint)listenSocket.LocalEndPoint!).Port;
        using var client = new TcpClient(AddressFamily.InterNetwork);
        await client.ConnectAsync(IPAddress.Loopback, port);
        using var accepted = await listenSocket.AcceptAsync();
        var clientPort = ((IPEndPoint)client.Client.LocalEndPoint!).Port;

        var events = NewCollector().TakeSnapshot(CancellationToken.None);

        var listening = Listening(events, "tcp", port);
        Assert.NotNull(listening);
        Assert.Equal("ipv6", listening.Network?.Type);
        Assert.Equal("::", listening.Source?.Ip);
        Assert.Equal("all-interfaces", listening.Atalaya?.Network?.Exposure);

        // Listed in tcp6 as ::ffff:127.0.0.1, reported the way the peer knows itself.
        var serverSide = Connection(events, "connection-established", port, clientPort);
        Assert.NotNull(serverSide);
        Assert.Equal("ipv4", serverSide.Network?.Type);
        Assert.Equal("127.0.0.1", serverSide.Source?.Ip);
        Assert.Equal("127.0.0.1", serverSide.Destination?.Ip);
        Assert.Equal("ingress", serverSide.Network?.Direction);
    }

    [Fact]
    public void Udp_bound_sockets_are_listeners_and_connected_ones_are_connections()
    {
        using var bound = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        bound.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var boundPort = ((IPEndPoint)bound.LocalEndPoint!).Port;
        using var connected = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp);
        connected.Connect(new IPEndPoint(IPAddress.IPv6Loopback, boundPort));
        var connectedPort = ((IPEndPoint)connected.LocalEndPoint!).Port;

        var events = NewCollector().TakeSnapshot(CancellationToken.None);

        var listener = Listening(events, "udp", boundPort);
        Assert.NotNull(listener);
        Assert.Equal("UNCONN", listener.Atalaya?.Network?.State);
        Assert.Equal("loopback", listener.Atalaya?.Network?.Exposure);
        Assert.Equal(Environment.ProcessId, listener.Process?.Pid);

        var connection = events.SingleOrDefault(e => e.Network?.Transport == "udp" && e.Source?.Port == connectedPort);
        Assert.NotNull(connection);
        Assert.Equal("connection-established", connection.Event.Action);
        Assert.Equal("ESTABLISHED", connection.Atalaya?.Network?.State);
        Assert.Equal("ipv6", connection.Network?.Type);
        Assert.Equal("egress", connection.Network?.Direction);
        Assert.Equal("::1", connection.Destination?.Ip);
        Assert.Equal(boundPort, connection.Destination?.Port);
        Assert.Equal(Environment.ProcessId, connection.Process?.Pid);
    }

    [Fact]
    public async Task A_child_process_listener_belongs_to_the_child()
    {
        // /usr/bin/python3 ships with Debian 12; the child binds 127.0.0.1 only and prints its port.
        const string python = "/usr/bin/python3";
        Assert.True(File.Exists(python), "this test needs Debian's python3 (apt-get install python3)");
        using var child = SpawnedProcess.Start(python,
            ["-c", "import socket,time\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen()\nprint(s.getsockname()[1],flush=True)\ntime.sleep(120)"],
            redirectOutput: true);
        var printed = await Eventually.WaitForAsync(() => child.StandardOutput, text => text.Contains('\n', StringComparison.Ordinal), attempts: 300);
        Assert.True(printed.Contains('\n', StringComparison.Ordinal), $"the child printed no port; stderr: {child.StandardError}");
        var port = int.Parse(printed.AsSpan().Trim(), System.Globalization.CultureInfo.InvariantCulture);

        var found = Listening(NewCollector().TakeSnapshot(CancellationToken.None), "tcp", port);

        Assert.NotNull(found);
        Assert.Equal(child.Pid, found.Process?.Pid);
        Assert.Equal("python3", found.Process?.Name);
        Assert.Equal(new FileInfo(python).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? python, found.Process?.Executable);
        Assert.Equal("loopback", found.Atalaya?.Network?.Exposure);
    }

    [Fact]
    public async Task RunAsync_publishes_the_inventory_then_opened_and_closed_changes()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var output = new QueuePublisher();
        var collector = NewCollector(TimeSpan.FromMilliseconds(100));
        using var stop = new CancellationTokenSource();
        var run = collector.RunAsync(output, stop.Token);

        try
        {
            var inventory = await Eventually.WaitForAsync(() => Listening(output.Events, "tcp", port), e => e is not null);
            Assert.NotNull(inventory);
            Assert.Equal(EventKinds.State, inventory.Event.Kind);

            int clientPort;
            using (var client = new TcpClient())
            {
                await client.ConnectAsync(IPAddress.Loopback, port);
                using var accepted = await listener.AcceptTcpClientAsync();
                clientPort = ((IPEndPoint)client.Client.LocalEndPoint!).Port;
                var opened = await Eventually.WaitForAsync(
                    () => (Client: Connection(output.Events, "connection-opened", clientPort, port), Server: Connection(output.Events, "connection-opened", port, clientPort)),
                    pair => pair.Client is not null && pair.Server is not null);
                Assert.NotNull(opened.Client);
                Assert.NotNull(opened.Server);
                Assert.Equal(EventKinds.Event, opened.Client.Event.Kind);
                Assert.Equal([EventTypes.Connection, EventTypes.Start], opened.Client.Event.Type);
                Assert.Equal("egress", opened.Client.Network?.Direction);
                Assert.Equal("ingress", opened.Server.Network?.Direction);
                Assert.NotNull(opened.Client.Event.Start);
                Assert.Equal(Environment.ProcessId, opened.Client.Process?.Pid);
            }

            var closed = await Eventually.WaitForAsync(() => Connection(output.Events, "connection-closed", clientPort, port), e => e is not null);
            Assert.NotNull(closed);
            Assert.Equal([EventTypes.Connection, EventTypes.End], closed.Event.Type);
            Assert.Equal("egress", closed.Network?.Direction);
            Assert.NotNull(closed.Event.Start);
            Assert.NotNull(closed.Event.End);
            Assert.True(closed.Event.Duration >= 0);
            Assert.Equal(Environment.ProcessId, closed.Process?.Pid);

            var all = output.Events.ToList();
            Assert.True(all.IndexOf(Connection(all, "connection-opened", clientPort, port)!) < all.IndexOf(closed));

            listener.Stop();
            var listenerClosed = await Eventually.WaitForAsync(
                () => output.Events.SingleOrDefault(e => e.Event.Action == "listener-closed" && e.Source?.Port == port), e => e is not null);
            Assert.NotNull(listenerClosed);
            Assert.Equal([EventTypes.End], listenerClosed.Event.Type);

            // Present before the run: when it began is unknown, so no start and no duration.
            Assert.Null(listenerClosed.Event.Start);
            Assert.NotNull(listenerClosed.Event.End);
            Assert.Null(listenerClosed.Event.Duration);
        }
        finally
        {
            await stop.CancelAsync();
            await run.WaitAsync(TimeSpan.FromSeconds(30));
        }

        Assert.True(collector.Counters.Get("snapshots") >= 2);
        Assert.Equal(output.Events.Count, collector.Counters.Get("events_published"));
    }

    [Fact]
    public async Task RunAsync_returns_when_cancelled()
    {
        var collector = NewCollector(TimeSpan.FromMilliseconds(100));
        using var stop = new CancellationTokenSource();
        var output = new QueuePublisher();
        var run = collector.RunAsync(output, stop.Token);
        await Eventually.WaitForAsync(() => collector.Counters.Get("snapshots"), n => n >= 2);

        await stop.CancelAsync();

        await run.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(run.IsCompletedSuccessfully);
    }

    private sealed class QueuePublisher : IEventPublisher
    {
        private readonly ConcurrentQueue<EcsEvent> _events = new();

        public IReadOnlyCollection<EcsEvent> Events => _events;

        public void Publish(EcsEvent value) => _events.Enqueue(value);
    }
}
