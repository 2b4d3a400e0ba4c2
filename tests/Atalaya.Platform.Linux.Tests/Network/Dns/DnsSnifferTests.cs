using System.Net;
using System.Net.Sockets;
using Atalaya.Platform.Linux.Network.Dns;
using Atalaya.Platform.Linux.Network.Names;
using Atalaya.TestKit;
using Xunit.Abstractions;

namespace Atalaya.Platform.Linux.Tests.Network.Dns;

/// <summary>
/// The sniffer on the real kernel: a tiny DNS responder on a loopback address answers crafted
/// queries from a client socket of this test, and the AF_PACKET socket must see the answers.
/// Root only (CAP_NET_RAW); skipped with the reason otherwise.
/// </summary>
public sealed class DnsSnifferTests(ITestOutputHelper output)
{
    // An address of 127/8 no other test uses, so port 53 on it is free.
    private static readonly IPAddress Server = IPAddress.Parse("127.83.0.1");

    [SkippableFact]
    public async Task Answers_from_port_53_on_loopback_name_the_address_with_the_asking_process_and_others_do_not()
    {
        var names = new AddressNames(hosts: null, reverse: null);
        using var sniffer = StartSniffer(names);

        using var dns = Bind(53);
        using var other = Bind(5353);
        using var client = Client();

        // Hostile first (a compression pointer to itself), then a good answer from a port that is
        // not DNS, then the real answer: the sniffer handles them in order.
        var hostile = DnsWire.Header(1, 0x8180, 1, 1).Concat(new byte[] { 0xC0, 12, 0, 1, 0, 1 }).ToArray();
        await ExchangeAsync(client, dns, "q.example.test", hostile);
        await ExchangeAsync(client, other, "not-dns.example.test", DnsWire.Response(2, "not-dns.example.test", null, IPAddress.Parse("203.0.113.78")));
        // The resolver's 0x20 case randomization: the answer's question matches whatever its case.
        await ExchangeAsync(client, dns, "beacon.example.test", DnsWire.Response(3, "Beacon.Example.Test", "c2.example.test", IPAddress.Parse("203.0.113.77")));

        var learned = await Eventually.WaitForAsync(
            () => names.TryGetName(IPAddress.Parse("203.0.113.77"), out var name, out var source, out var querier) ? (name, source, querier) : default,
            found => found.name is not null);
        output.WriteLine($"learned {learned.name} from {learned.source}, asked by {learned.querier}; responses {sniffer.Responses}, malformed {sniffer.Malformed}, skipped outgoing {sniffer.SkippedOutgoing}");
        Assert.Equal("beacon.example.test", learned.name);
        Assert.Equal(AddressNames.SourceDns, learned.source);
        Assert.Equal($"{ProcessName()} (pid {Environment.ProcessId})", learned.querier);
        Assert.False(names.TryGetName(IPAddress.Parse("203.0.113.78"), out _, out _));
        Assert.True(sniffer.Malformed >= 1);

        // On lo each frame passes twice (outgoing, then host): the outgoing copies of the answers are
        // skipped (those of the queries are the queries), so the answer was learned once, not twice.
        Assert.True(sniffer.SkippedOutgoing >= 2);
        Assert.True(sniffer.Queries >= 2);
        Assert.Equal(0, sniffer.Unsolicited);
        Assert.Null(sniffer.StoppedReason);
    }

    [SkippableFact]
    public async Task An_answer_to_no_query_of_this_host_teaches_no_name()
    {
        var names = new AddressNames(hosts: null, reverse: null);
        using var sniffer = StartSniffer(names);

        using var dns = Bind(53);
        using var client = Client();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[512];

        // Forged: sent from port 53 to a client that asked nothing.
        await dns.SendToAsync(DnsWire.Response(7, "bank.example.test", null, IPAddress.Parse("203.0.113.90")), client.LocalEndPoint!, timeout.Token);
        await client.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), timeout.Token);
        // Asked, but answered with another id, and for another name.
        await ExchangeAsync(client, dns, "asked.example.test", DnsWire.Response(8, "asked.example.test", null, IPAddress.Parse("203.0.113.91")), queryId: 9);
        await ExchangeAsync(client, dns, "asked.example.test", DnsWire.Response(10, "bank.example.test", null, IPAddress.Parse("203.0.113.92")));
        // Then a real exchange, so the sniffer has certainly read the three before it.
        await ExchangeAsync(client, dns, "real.example.test", DnsWire.Response(11, "real.example.test", null, IPAddress.Parse("203.0.113.93")));

        await Eventually.WaitForAsync(() => names.TryGetName(IPAddress.Parse("203.0.113.93"), out _, out _), found => found);
        Assert.False(names.TryGetName(IPAddress.Parse("203.0.113.90"), out _, out _));
        Assert.False(names.TryGetName(IPAddress.Parse("203.0.113.91"), out _, out _));
        Assert.False(names.TryGetName(IPAddress.Parse("203.0.113.92"), out _, out _));
        Assert.Equal(3, sniffer.Unsolicited);
    }

    private static DnsSniffer StartSniffer(AddressNames names)
    {
        var sniffer = DnsSniffer.TryStart(names, new UdpPortOwners("/proc", TimeProvider.System), out var reason);
        Skip.If(sniffer is null, $"cannot capture: {reason}");
        return sniffer;
    }

    private static Socket Client()
    {
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        client.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return client;
    }

    private static Socket Bind(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(Server, port));
        return socket;
    }

    /// <summary>The client asks <paramref name="name"/> (with the answer's id unless told), the responder answers with <paramref name="answer"/>, the client reads it.</summary>
    private static async Task ExchangeAsync(Socket client, Socket responder, string name, byte[] answer, ushort? queryId = null)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await client.SendToAsync(DnsWire.Query(queryId ?? (ushort)((answer[0] << 8) | answer[1]), name), responder.LocalEndPoint!, timeout.Token);
        var buffer = new byte[512];
        var received = await responder.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), timeout.Token);
        await responder.SendToAsync(answer, received.RemoteEndPoint, timeout.Token);
        await client.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), timeout.Token);
    }

    private static string ProcessName() => File.ReadAllText("/proc/self/comm").TrimEnd('\n');
}
