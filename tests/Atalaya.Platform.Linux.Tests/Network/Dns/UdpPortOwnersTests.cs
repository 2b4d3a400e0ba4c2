using Atalaya.Platform.Linux.Network.Dns;
using Atalaya.Platform.Linux.Tests.Network.Names;

namespace Atalaya.Platform.Linux.Tests.Network.Dns;

/// <summary>Which process asked a DNS question, on a recorded /proc: the UDP table gives the inode, the fd links its holder.</summary>
public sealed class UdpPortOwnersTests
{
    // Local 0.0.0.0:34959 (0x888F), inode 5003.
    private const string Resolver = " 8540: 00000000:888F 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 5003 2 00000000f6b94aa7 0";

    [Fact]
    public void The_holder_of_the_port_is_named_and_a_port_nobody_holds_is_not()
    {
        using var proc = new FakeProcRoot();
        proc.WriteTable("udp", FakeProcRoot.UdpHeader, Resolver);
        proc.AddProcess(100, "server", "/usr/sbin/server", "socket:[4001]", "/dev/null");
        proc.AddProcess(300, "resolver", "/usr/bin/resolver", "pipe:[9]", "socket:[5003]");
        var owners = new UdpPortOwners(proc.Path, new ManualClock());

        Assert.Equal("resolver (pid 300)", owners.Find(34959));
        Assert.Null(owners.Find(53));

        // The same socket asked about again is answered from the map; a socket that went away is not.
        Assert.Equal("resolver (pid 300)", owners.Find(34959));
        proc.WriteTable("udp", FakeProcRoot.UdpHeader);
        Assert.Null(owners.Find(34959));
        Assert.Equal(0, owners.RateLimited);
        Assert.Equal(0, owners.Counters.Get("processes_vanished"));
    }

    [Fact]
    public void Lookups_beyond_the_rate_limit_answer_nothing_until_the_next_second()
    {
        using var proc = new FakeProcRoot();
        proc.WriteTable("udp", FakeProcRoot.UdpHeader, Resolver);
        proc.AddProcess(300, "resolver", "/usr/bin/resolver", "socket:[5003]");
        var clock = new ManualClock();
        var owners = new UdpPortOwners(proc.Path, clock);

        for (var i = 0; i < UdpPortOwners.MaxLookupsPerSecond; i++)
        {
            Assert.Equal("resolver (pid 300)", owners.Find(34959));
        }

        Assert.Null(owners.Find(34959));
        Assert.Equal(1, owners.RateLimited);

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("resolver (pid 300)", owners.Find(34959));
        Assert.Equal(1, owners.RateLimited);
    }
}
