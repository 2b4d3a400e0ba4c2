using System.Net;
using Atalaya.Platform.Linux.Network.Names;
using Atalaya.TestKit;

namespace Atalaya.Platform.Linux.Tests.Network.Names;

public sealed class HostsAndServicesTests
{
    [Theory]
    [InlineData("127.0.0.1\tlocalhost", "127.0.0.1", "localhost")]
    [InlineData("::1     localhost ip6-localhost ip6-loopback", "::1", "localhost")]
    [InlineData("  10.1.2.3   Build-Server.corp.example build  # the CI box", "10.1.2.3", "build-server.corp.example")]
    [InlineData("fe80::1%eth0 router.lan", "fe80::1%eth0", "router.lan")]
    public void A_hosts_line_gives_the_address_and_its_canonical_name(string line, string address, string name)
    {
        Assert.True(HostsFileParser.TryParseLine(line, out var parsed, out var canonical));
        Assert.Equal(IPAddress.Parse(address), parsed);
        Assert.Equal(name, canonical);
    }

    [Theory]
    [InlineData("")]
    [InlineData("# 10.0.0.1 commented")]
    [InlineData("10.0.0.1")]
    [InlineData("not-an-address name")]
    [InlineData("10.0.0.1 bad\u0007name")]
    [InlineData("999.1.1.1 name")]
    public void Blank_comment_and_malformed_hosts_lines_are_refused(string line) =>
        Assert.False(HostsFileParser.TryParseLine(line, out _, out _));

    [Fact]
    public void The_first_line_for_an_address_wins_and_malformed_lines_are_counted()
    {
        var names = new Dictionary<IPAddress, string>();
        var malformed = HostsFileParser.Parse("# header\n10.0.0.1 first\n10.0.0.1 second\ngarbage\n\n10.0.0.2 other\r\n", names);
        Assert.Equal(1, malformed);
        Assert.Equal("first", names[IPAddress.Parse("10.0.0.1")]);
        Assert.Equal("other", names[IPAddress.Parse("10.0.0.2")]);
        Assert.Equal(2, names.Count);
    }

    [Fact]
    public void The_hosts_file_under_a_root_is_read_and_reloaded_when_it_changes()
    {
        using var root = new TempDirectory();
        root.WriteFile("etc/hosts", "203.0.113.5 payments.example\n");
        var clock = new ManualClock();
        var hosts = new HostsFile(root.Path, clock);
        Assert.True(hosts.TryGetName(IPAddress.Parse("203.0.113.5"), out var name));
        Assert.Equal("payments.example", name);
        Assert.True(hosts.TryGetName(IPAddress.Parse("::ffff:203.0.113.5"), out name));
        Assert.Equal("payments.example", name);

        // Replaced by rename, as editors do: a new inode.
        File.WriteAllText(root.Combine("etc", "hosts.new"), "203.0.113.5 billing.example\n203.0.113.6 new.example\n");
        File.Move(root.Combine("etc", "hosts.new"), root.Combine("etc", "hosts"), overwrite: true);

        // Within the recheck interval the old answer stands; after it, the new file is read.
        Assert.True(hosts.TryGetName(IPAddress.Parse("203.0.113.5"), out name));
        Assert.Equal("payments.example", name);
        clock.Advance(ReloadingFile.RecheckInterval);
        Assert.True(hosts.TryGetName(IPAddress.Parse("203.0.113.5"), out name));
        Assert.Equal("billing.example", name);
        Assert.True(hosts.TryGetName(IPAddress.Parse("203.0.113.6"), out name));
        Assert.Equal("new.example", name);

        File.Delete(root.Combine("etc", "hosts"));
        clock.Advance(ReloadingFile.RecheckInterval);
        Assert.False(hosts.TryGetName(IPAddress.Parse("203.0.113.5"), out _));
    }

    [Theory]
    [InlineData("ssh\t\t22/tcp\t\t\t\t# SSH Remote Login Protocol", "ssh", 22, "tcp")]
    [InlineData("domain          53/udp", "domain", 53, "udp")]
    [InlineData("http-alt 8080/tcp webcache # WWW caching service", "http-alt", 8080, "tcp")]
    public void A_services_line_gives_name_port_and_transport(string line, string name, int port, string transport)
    {
        Assert.True(ServicesFileParser.TryParseLine(line, out var parsedName, out var parsedPort, out var parsedTransport));
        Assert.Equal(name, parsedName);
        Assert.Equal(port, parsedPort);
        Assert.Equal(transport, parsedTransport);
    }

    [Theory]
    [InlineData("ssh")]
    [InlineData("ssh 22")]
    [InlineData("ssh 0/tcp")]
    [InlineData("ssh 70000/tcp")]
    [InlineData("ssh -22/tcp")]
    [InlineData("ssh 22/")]
    [InlineData("# ssh 22/tcp")]
    public void Malformed_services_lines_are_refused(string line) =>
        Assert.False(ServicesFileParser.TryParseLine(line, out _, out _, out _));

    [SkippableFact]
    public void The_hosts_etc_services_names_ssh_and_domain()
    {
        Skip.IfNot(File.Exists("/etc/services"), "this host has no /etc/services (netbase not installed)");
        var services = new ServiceNames("/", TimeProvider.System);
        Assert.True(services.TryGetName(22, "tcp", out var ssh));
        Assert.Equal("ssh", ssh);
        Assert.True(services.TryGetName(53, "udp", out var domain));
        Assert.Equal("domain", domain);
        Assert.False(services.TryGetName(1, "sctp-not-a-transport", out _));
        Assert.Equal(0, services.MalformedLines);
    }

    [Fact]
    public void Services_under_a_root_are_read()
    {
        using var root = new TempDirectory();
        root.WriteFile("etc/services", "stratum 3333/tcp # mining\nbroken line\n");
        var services = new ServiceNames(root.Path, new ManualClock());
        Assert.True(services.TryGetName(3333, "tcp", out var name));
        Assert.Equal("stratum", name);
        Assert.False(services.TryGetName(3333, "udp", out _));
        Assert.Equal(1, services.MalformedLines);
    }
}
