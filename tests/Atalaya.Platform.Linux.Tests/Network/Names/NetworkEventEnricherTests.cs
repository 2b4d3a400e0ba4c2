using System.Net;
using Atalaya.Core.Analytics.Network;
using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Network.Names;
using Atalaya.TestKit;

namespace Atalaya.Platform.Linux.Tests.Network.Names;

public sealed class NetworkEventEnricherTests
{
    private static EcsEvent Connection(string direction, string localIp, int localPort, string remoteIp, int remotePort, string? executable) => new()
    {
        Timestamp = DateTimeOffset.UnixEpoch,
        Event = new EventFields { Kind = EventKinds.Event, Category = [EventCategories.Network], Type = [EventTypes.Connection, EventTypes.Start], Action = "connection-opened" },
        Process = executable is null ? null : new ProcessFields { Pid = 42, Executable = executable },
        Source = new EndpointFields { Ip = localIp, Port = localPort },
        Destination = direction == "listening" ? null : new EndpointFields { Ip = remoteIp, Port = remotePort },
        Network = new NetworkFields { Transport = "tcp", Direction = direction },
    };

    private static (NetworkEventEnricher Enricher, AddressNames Names) Create(TempDirectory root, Func<string, string?>? packages)
    {
        root.WriteFile("etc/hosts", "198.51.100.10 fileserver.corp.example\n");
        root.WriteFile("etc/services", "ssh 22/tcp\nhttps 443/tcp\n");
        var clock = new ManualClock();
        var names = new AddressNames(new HostsFile(root.Path, clock), reverse: null);
        var ports = PortCatalog.Parse("categories:\n  mining:\n    label: mining pool\n    ports: [3333]\n");
        return (new NetworkEventEnricher(names, new ServiceNames(root.Path, clock), ports, packages), names);
    }

    [Fact]
    public void An_outgoing_connection_gets_its_destination_name_and_service()
    {
        using var root = new TempDirectory();
        var (enricher, names) = Create(root, path => path == "/usr/bin/curl" ? "curl" : null);
        var enriched = enricher.Enrich(Connection("egress", "10.0.0.2", 40000, "198.51.100.10", 443, "/usr/bin/curl"));
        Assert.Equal("fileserver.corp.example", enriched.Destination?.Domain);
        Assert.Equal("https", enriched.Network?.Protocol);
        Assert.Equal("curl", enriched.Atalaya?.Process?.Package);
        Assert.True(enriched.Atalaya?.Process?.Packaged);

        // A sniffed DNS answer outranks the hosts file: it is the name the program asked for.
        names.Learn(IPAddress.Parse("198.51.100.10"), "files.example.com", "curl (pid 42)");
        enriched = enricher.Enrich(Connection("egress", "10.0.0.2", 40001, "198.51.100.10", 443, "/usr/bin/curl"));
        Assert.Equal("files.example.com", enriched.Destination?.Domain);
        Assert.True(names.TryGetName(IPAddress.Parse("198.51.100.10"), out _, out var source, out var querier));
        Assert.Equal(AddressNames.SourceDns, source);
        Assert.Equal("curl (pid 42)", querier);
    }

    [Fact]
    public void A_listener_gets_its_own_port_named_and_an_unowned_binary_is_marked_unpackaged()
    {
        using var root = new TempDirectory();
        var (enricher, _) = Create(root, _ => null);
        var enriched = enricher.Enrich(Connection("listening", "0.0.0.0", 22, "0.0.0.0", 0, "/opt/tool/sshd"));
        Assert.Equal("ssh", enriched.Network?.Protocol);
        Assert.Null(enriched.Destination);
        Assert.Null(enriched.Atalaya?.Process?.Package);
        Assert.False(enriched.Atalaya?.Process?.Packaged);
    }

    [Fact]
    public void A_port_etc_services_does_not_know_is_named_by_the_catalog_category_and_unknown_addresses_stay_unnamed()
    {
        using var root = new TempDirectory();
        var (enricher, _) = Create(root, packages: null);
        var enriched = enricher.Enrich(Connection("egress", "10.0.0.2", 40000, "203.0.113.80", 3333, "/tmp/xmrig"));
        Assert.Equal("mining", enriched.Network?.Protocol);
        Assert.Null(enriched.Destination?.Domain);

        // No package database: nothing is claimed about ownership.
        Assert.Null(enriched.Atalaya?.Process);

        var unknownPort = Connection("egress", "10.0.0.2", 40000, "203.0.113.80", 47999, null);
        Assert.Same(unknownPort, enricher.Enrich(unknownPort));
    }
}
