using System.Net;
using Atalaya.Core.Analytics;
using Atalaya.Core.Analytics.Network;
using Atalaya.Core.Baseline;
using Atalaya.Core.Schema;

namespace Atalaya.Core.Tests.Analytics.Network;

public sealed class NetworkNamesAndExposureTests
{
    private static EcsEvent Listener(string executable, string exposure, int port, bool? packaged, string ip = "0.0.0.0")
    {
        var value = SampleEvents.Listener(executable, 900, exposure, port);
        return value with
        {
            Source = value.Source! with { Ip = ip },
            Atalaya = value.Atalaya! with { Process = packaged is null ? null : new AtalayaProcessFields { Packaged = packaged, Package = packaged == true ? "pkg" : null } },
        };
    }

    private static EcsEvent Attempt(string remote, int remotePort, int localPort, DateTimeOffset at) =>
        SampleEvents.Connection("/usr/sbin/sshd", 1, remote, remotePort, "ingress") with
        {
            Timestamp = at,
            Event = new EventFields
            {
                Kind = EventKinds.Event,
                Category = [EventCategories.Network],
                Type = [EventTypes.Connection, EventTypes.Start],
                Action = ConnectionFacts.ConnectionAttempt,
                Start = at,
            },
            Source = new EndpointFields { Ip = "10.0.0.5", Port = localPort },
            Atalaya = new AtalayaFields { Network = new AtalayaNetworkFields { State = "NEW_SYN_RECV" } },
        };

    [Theory]
    [InlineData("10.20.0.0/16", "10.20.3.4", true)]
    [InlineData("10.20.0.0/16", "10.21.0.1", false)]
    [InlineData("203.0.113.0/24, 2001:db8:1::/48", "203.0.113.200", true)]
    [InlineData("203.0.113.0/24, 2001:db8:1::/48", "2001:db8:1:ff::1", true)]
    [InlineData("203.0.113.0/24, 2001:db8:1::/48", "::ffff:203.0.113.9", true)]
    [InlineData("198.51.100.7", "198.51.100.7", true)]
    [InlineData("198.51.100.7", "198.51.100.8", false)]
    public void Internal_networks_contain_their_addresses(string config, string ip, bool expected)
    {
        Assert.True(InternalNetworks.TryParse(config, out var networks, out var error), error);
        Assert.Equal(expected, networks.Contains(IPAddress.Parse(ip)));
    }

    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("not-a-network")]
    [InlineData("10.0.0.0/8,bad")]
    [InlineData("10.1.2.3/8")]
    public void Malformed_internal_networks_are_refused_with_the_entry(string config)
    {
        Assert.False(InternalNetworks.TryParse(config, out var networks, out var error));
        Assert.Same(InternalNetworks.None, networks);
        Assert.Contains("is not an address block", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_public_address_inside_an_internal_block_is_internal_and_not_public()
    {
        Assert.True(InternalNetworks.TryParse("8.8.0.0/16", out var networks, out _));
        Assert.Equal("internal", networks.Scope("8.8.8.8"));
        Assert.False(networks.IsPublic("8.8.8.8"));
        Assert.Equal("public", networks.Scope("1.1.1.1"));
        Assert.True(networks.IsPublic("1.1.1.1"));
        Assert.Equal("private", networks.Scope("192.168.1.1"));
        Assert.False(networks.IsPublic("192.168.1.1"));
    }

    [Fact]
    public void User_writable_egress_ignores_configured_internal_blocks_and_names_the_destination()
    {
        Assert.True(InternalNetworks.TryParse("8.8.0.0/16", out var networks, out _));
        var analytic = new UserWritableEgressAnalytic(networks);
        var sink = new ListSink();
        analytic.Observe(SampleEvents.Connection("/tmp/agent", 5, "8.8.8.8", 443), sink);
        Assert.Empty(sink.Signals);

        var named = SampleEvents.Connection("/tmp/agent", 5, "1.1.1.1", 443);
        analytic.Observe(named with { Destination = named.Destination! with { Domain = "c2.example.net" } }, sink);
        var signal = Assert.Single(sink.Signals);
        Assert.Contains("the public address 1.1.1.1 (c2.example.net) port 443", signal.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unpackaged_program_listening_on_all_interfaces_is_reported_once()
    {
        var analytic = new ListenerExposureAnalytic();
        var sink = new ListSink();
        analytic.Observe(Listener("/opt/tools/agentd", "all-interfaces", 8088, packaged: false), sink);
        analytic.Observe(Listener("/opt/tools/agentd", "all-interfaces", 8088, packaged: false), sink);
        var signal = Assert.Single(sink.Signals);
        Assert.Equal($"{ListenerExposureAnalytic.AnalyticId}.unpackaged", signal.SourceId);
        Assert.Equal("agentd (/opt/tools/agentd), which no installed package owns, listens on all interfaces, tcp port 8088", signal.Detail);
        Assert.Equal(["T1571"], signal.Techniques);
    }

    [Theory]
    [InlineData("/usr/sbin/agentd", "all-interfaces", 8088, true)]    // packaged
    [InlineData("/opt/tools/agentd", "all-interfaces", 8088, null)]   // not checked: never "unpackaged"
    [InlineData("/opt/tools/agentd", "loopback", 8088, false)]        // loopback only
    [InlineData("/tmp/agentd", "all-interfaces", 8088, false)]        // user-writable: the other analytic's case
    public void Packaged_unchecked_loopback_and_user_writable_listeners_are_not_unpackaged_findings(string executable, string exposure, int port, bool? packaged)
    {
        var sink = new ListSink();
        new ListenerExposureAnalytic().Observe(Listener(executable, exposure, port, packaged), sink);
        Assert.Empty(sink.Signals);
    }

    [Fact]
    public void A_database_port_reachable_from_the_network_is_low_context_and_loopback_is_not()
    {
        var ports = PortCatalog.Parse("categories:\n  database:\n    label: database\n    ports: [5432, 6379]\n");
        var analytic = new ListenerExposureAnalytic(ports);
        var sink = new ListSink();
        analytic.Observe(Listener("/usr/lib/postgresql/15/bin/postgres", "loopback", 5432, packaged: true, ip: "127.0.0.1"), sink);
        analytic.Observe(Listener("/usr/bin/redis-server", "specific-address", 6379, packaged: true, ip: "127.0.0.2"), sink);
        Assert.Empty(sink.Signals);

        var exposed = Listener("/usr/bin/redis-server", "specific-address", 6379, packaged: true, ip: "10.0.0.5");
        analytic.Observe(exposed with { Network = exposed.Network! with { Protocol = "redis" } }, sink);
        var signal = Assert.Single(sink.Signals);
        Assert.Equal($"{ListenerExposureAnalytic.AnalyticId}.sensitive-port", signal.SourceId);
        Assert.Equal("redis-server (pid 900) exposes tcp port 6379 (redis, database) on the address 10.0.0.5, not only loopback", signal.Detail);
        Assert.Equal(["T1133"], signal.Techniques);
        Assert.True(signal.Weight * signal.Confidence < 25);

        // Without a catalog the built-in list still knows SSH.
        var plain = new ListenerExposureAnalytic();
        plain.Observe(Listener("/usr/sbin/sshd", "all-interfaces", 22, packaged: true), sink);
        Assert.Equal(2, sink.Signals.Count);
        plain.Observe(Listener("/usr/sbin/nginx", "all-interfaces", 443, packaged: true), sink);
        Assert.Equal(2, sink.Signals.Count);
    }

    [Fact]
    public void Many_half_open_handshakes_from_one_source_within_the_window_are_a_scan_even_on_one_port()
    {
        var analytic = new InboundScanAnalytic(new ScanOptions { InboundHalfOpen = 20, InboundPorts = 1000 });
        var sink = new ListSink();
        var at = SampleEvents.Now;
        for (var i = 0; i < 19; i++)
        {
            analytic.Observe(Attempt("198.51.100.77", 40000 + i, 22, at += TimeSpan.FromMilliseconds(100)), sink);
        }

        // The same handshake seen again is not a new one.
        analytic.Observe(Attempt("198.51.100.77", 40000, 22, at), sink);
        Assert.Empty(sink.Signals);

        analytic.Observe(Attempt("198.51.100.77", 40019, 22, at += TimeSpan.FromMilliseconds(100)), sink);
        var signal = Assert.Single(sink.Signals);
        Assert.Equal($"{InboundScanAnalytic.AnalyticId}.half-open", signal.SourceId);
        Assert.Equal("source.ip:198.51.100.77", signal.EntityKey);
        Assert.Contains("left 20 inbound TCP handshakes unfinished (SYN_RECV) within 60 s", signal.Detail, StringComparison.Ordinal);
        Assert.Equal(["T1046"], signal.Techniques);
    }

    [Fact]
    public void Half_open_handshakes_spread_beyond_the_window_or_from_loopback_are_not_a_scan()
    {
        var analytic = new InboundScanAnalytic(new ScanOptions { InboundHalfOpen = 5, InboundPorts = 1000 });
        var sink = new ListSink();
        var at = SampleEvents.Now;
        for (var i = 0; i < 20; i++)
        {
            analytic.Observe(Attempt("198.51.100.77", 40000 + i, 22, at += TimeSpan.FromSeconds(20)), sink);
            analytic.Observe(Attempt("127.0.0.1", 40000 + i, 22, at), sink);
        }

        Assert.Empty(sink.Signals);
    }

    [Fact]
    public void First_seen_knows_a_destination_by_its_domain_when_the_address_block_moved()
    {
        EcsEvent Egress(string ip, string? domain)
        {
            var value = SampleEvents.Connection("/usr/bin/curl", 10, ip, 443);
            return value with { Destination = value.Destination! with { Domain = domain } };
        }

        var facts = new List<BaselineKey>();
        BaselineFacts.Extract(Egress("203.0.113.10", "api.example.com"), facts);
        Assert.Equal(
            [new(BaselineKind.Destination, "/usr/bin/curl > 203.0.113.0/24 :443/tcp"), new(BaselineKind.Destination, "/usr/bin/curl > api.example.com :443/tcp")],
            facts);

        var analytic = new FirstSeenAnalytic(new BaselineSet(3, facts));
        var sink = new ListSink();

        // The CDN moved the name to another block: known by name, so not new.
        analytic.Observe(Egress("198.51.100.44", "api.example.com"), sink);
        Assert.Empty(sink.Signals);

        // Same block, another name behind it: known by block.
        analytic.Observe(Egress("203.0.113.99", "other.example.com"), sink);
        Assert.Empty(sink.Signals);

        // Neither known: one signal per new fact, naming the domain.
        analytic.Observe(Egress("192.0.2.8", "new.example.org"), sink);
        Assert.Equal(2, sink.Signals.Count);
        Assert.Contains(sink.Signals, s => s.Detail.EndsWith("destination /usr/bin/curl > new.example.org :443/tcp", StringComparison.Ordinal));
        Assert.All(sink.Signals, s => Assert.Equal(SignalDomain.Network, s.Domain));
    }
}
