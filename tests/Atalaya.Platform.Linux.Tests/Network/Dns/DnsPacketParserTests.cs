using System.Net;
using Atalaya.Platform.Linux.Network.Dns;

namespace Atalaya.Platform.Linux.Tests.Network.Dns;

public sealed class DnsPacketParserTests
{
    private static readonly byte[] Payload = DnsWire.Response(1, "a.example", null, IPAddress.Parse("192.0.2.7"));

    [Fact]
    public void An_ipv4_udp_packet_from_port_53_gives_the_payload_and_the_asking_socket()
    {
        var packet = DnsWire.Ipv4Udp(IPAddress.Parse("10.0.0.53"), 53, IPAddress.Parse("10.0.0.7"), 40123, Payload);
        Assert.True(DnsPacketParser.TryParse(packet, out var payload, out var client, out var port, out var server));
        Assert.Equal(Payload, payload.ToArray());
        Assert.Equal(IPAddress.Parse("10.0.0.7"), client);
        Assert.Equal(40123, port);
        Assert.Equal(IPAddress.Parse("10.0.0.53"), server);
    }

    [Fact]
    public void An_ipv6_udp_packet_from_port_53_is_read()
    {
        var packet = DnsWire.Ipv6Udp(IPAddress.Parse("2001:db8::53"), 53, IPAddress.Parse("2001:db8::7"), 5555, Payload);
        Assert.True(DnsPacketParser.TryParse(packet, out var payload, out var client, out var port, out var server));
        Assert.Equal(Payload, payload.ToArray());
        Assert.Equal(IPAddress.Parse("2001:db8::7"), client);
        Assert.Equal(5555, port);
        Assert.Equal(IPAddress.Parse("2001:db8::53"), server);
    }

    [Fact]
    public void A_packet_to_port_53_is_a_query_from_the_asking_socket_and_not_a_response()
    {
        var query = DnsWire.Query(9, "a.example");
        var packet = DnsWire.Ipv6Udp(IPAddress.Parse("2001:db8::7"), 40555, IPAddress.Parse("2001:db8::53"), 53, query);
        Assert.True(DnsPacketParser.TryParseQuery(packet, out var payload, out var client, out var port, out var server));
        Assert.Equal(query, payload.ToArray());
        Assert.Equal(IPAddress.Parse("2001:db8::7"), client);
        Assert.Equal(40555, port);
        Assert.Equal(IPAddress.Parse("2001:db8::53"), server);
        Assert.False(DnsPacketParser.TryParse(packet, out _, out _, out _, out _));
        Assert.False(DnsPacketParser.TryParseQuery(DnsWire.Ipv4Udp(IPAddress.Parse("10.0.0.53"), 53, IPAddress.Parse("10.0.0.7"), 40123, Payload), out _, out _, out _, out _));
    }

    [Fact]
    public void Other_ports_fragments_and_truncations_are_refused()
    {
        var source = IPAddress.Parse("10.0.0.53");
        var destination = IPAddress.Parse("10.0.0.7");
        Assert.False(DnsPacketParser.TryParse(DnsWire.Ipv4Udp(source, 5353, destination, 40000, Payload), out _, out _, out _, out _));
        Assert.False(DnsPacketParser.TryParse(DnsWire.Ipv4Udp(source, 53, destination, 40000, Payload, fragment: 0x2000), out _, out _, out _, out _));
        Assert.False(DnsPacketParser.TryParse(DnsWire.Ipv4Udp(source, 53, destination, 40000, Payload, fragment: 0x0010), out _, out _, out _, out _));
        var good = DnsWire.Ipv4Udp(source, 53, destination, 40000, Payload);
        for (var length = 0; length < good.Length; length++)
        {
            Assert.False(DnsPacketParser.TryParse(good.AsSpan(0, length), out _, out _, out _, out _), $"length {length}");
        }

        var lying = (byte[])good.Clone();
        lying[24] = 0xFF; // UDP length beyond the packet
        Assert.False(DnsPacketParser.TryParse(lying, out _, out _, out _, out _));
    }
}
