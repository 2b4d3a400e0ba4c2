using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Network;

namespace Atalaya.Platform.Linux.Tests.Network;

/// <summary>The collector on a recorded /proc: exact owners, a deleted executable, IPv6 disabled, a bad row.</summary>
public sealed class ProcNetConnectionCollectorFakeProcTests
{
    private const string Listener = "   0: 0100007F:9ECB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5001 1 0000000048c753ba 100 0 0 10 0";
    private const string Accepted = "   4: 0100007F:9ECB 0100007F:A6A2 01 00000000:00000064 00:00000000 00000000     0        0 5002 1 00000000803d3e4b 20 4 30 10 -1";
    private const string Client = "   5: 0100007F:A6A2 0100007F:9ECB 01 00000000:00000000 00:00000000 00000000  1000        0 5004 1 000000008f4c23c2 20 0 0 11 -1";
    private const string TimeWait = "   6: 0100007F:A6AA 0100007F:9ECB 06 00000000:00000000 03:0000175B 00000000     0        0 0 3 000000000f7afa6f";
    private const string SynSent = "   7: 020200C0:A6AB 0A7100CB:01BB 02 00000001:00000000 01:00000100 00000000     0        0 5006 1 000000000f7afa60";
    private const string UdpUnconnected = " 8540: 00000000:888F 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 5003 2 00000000f6b94aa7 0";

    [Fact]
    public void Reports_listeners_and_connections_with_owners_from_the_fd_links()
    {
        using var proc = new FakeProcRoot();
        proc.WriteTable("tcp", FakeProcRoot.TcpHeader, Listener, Accepted, Client, TimeWait, SynSent, "   8: truncated");
        proc.WriteTable("udp", FakeProcRoot.UdpHeader, UdpUnconnected);
        proc.AddProcess(100, "fake-server", "/opt/fake/server (deleted)", "socket:[5001]", "socket:[5002]");
        proc.AddProcess(200, "curl", "/usr/bin/curl", "socket:[5004]", "/dev/null");
        var host = new HostFields { Name = "test-host" };
        var collector = new ProcNetConnectionCollector(new ProcNetConnectionCollectorOptions { ProcRoot = proc.Path }, TimeProvider.System, host);

        var events = collector.TakeSnapshot(CancellationToken.None);

        // LISTEN, two ESTABLISHED and the unconnected UDP socket; TIME_WAIT and SYN_SENT are not reported.
        Assert.Equal(4, events.Count);
        Assert.All(events, e =>
        {
            Assert.Equal(EventKinds.State, e.Event.Kind);
            Assert.Equal([EventCategories.Network], e.Event.Category);
            Assert.Equal([EventTypes.Info], e.Event.Type);
            Assert.Equal("atalaya.network", e.Event.Dataset);
            Assert.Equal("atalaya", e.Event.Module);
            Assert.Same(host, e.Host);
            Assert.Equal("ipv4", e.Network?.Type);
        });

        var listener = events.Single(e => e.Atalaya?.Network?.Inode == 5001);
        Assert.Equal("listening", listener.Event.Action);
        Assert.Equal("listening", listener.Network?.Direction);
        Assert.Equal("tcp", listener.Network?.Transport);
        Assert.Equal("127.0.0.1", listener.Source?.Ip);
        Assert.Equal(40651, listener.Source?.Port);
        Assert.Null(listener.Destination);
        Assert.Equal("LISTEN", listener.Atalaya?.Network?.State);
        Assert.Equal("loopback", listener.Atalaya?.Network?.Exposure);
        Assert.Equal(100, listener.Process?.Pid);
        Assert.Equal("fake-server", listener.Process?.Name);
        Assert.Equal("/opt/fake/server", listener.Process?.Executable);
        Assert.Equal("0", listener.User?.Id);
        Assert.Equal(["127.0.0.1"], listener.Related?.Ip);
        Assert.Null(listener.Atalaya?.Partial);

        var accepted = events.Single(e => e.Atalaya?.Network?.Inode == 5002);
        Assert.Equal("connection-established", accepted.Event.Action);
        Assert.Equal("ingress", accepted.Network?.Direction);
        Assert.Equal(40651, accepted.Source?.Port);
        Assert.Equal("127.0.0.1", accepted.Destination?.Ip);
        Assert.Equal(42658, accepted.Destination?.Port);
        Assert.Equal("ESTABLISHED", accepted.Atalaya?.Network?.State);
        Assert.Null(accepted.Atalaya?.Network?.Exposure);
        Assert.Equal(100, accepted.Process?.Pid);

        var client = events.Single(e => e.Atalaya?.Network?.Inode == 5004);
        Assert.Equal("egress", client.Network?.Direction);
        Assert.Equal(42658, client.Source?.Port);
        Assert.Equal(40651, client.Destination?.Port);
        Assert.Equal(200, client.Process?.Pid);
        Assert.Equal("curl", client.Process?.Name);
        Assert.Equal("/usr/bin/curl", client.Process?.Executable);
        Assert.Equal("1000", client.User?.Id);

        // Nobody holds the UDP socket's fd: reported without a process, marked partial, counted.
        var udp = events.Single(e => e.Atalaya?.Network?.Inode == 5003);
        Assert.Equal("udp", udp.Network?.Transport);
        Assert.Equal("listening", udp.Network?.Direction);
        Assert.Equal("UNCONN", udp.Atalaya?.Network?.State);
        Assert.Equal("all-interfaces", udp.Atalaya?.Network?.Exposure);
        Assert.Equal("0.0.0.0", udp.Source?.Ip);
        Assert.Equal(34959, udp.Source?.Port);
        Assert.Null(udp.Process);
        Assert.True(udp.Atalaya?.Partial);

        Assert.Equal(1, collector.Counters.Get("parse_errors"));
        Assert.Equal(1, collector.Counters.Get("owners_unknown"));
        Assert.Equal(1, collector.Counters.Get("snapshots"));
        Assert.Equal(0, collector.Counters.Get("events_published"));

        var inventory = collector.CurrentListeners.OrderBy(l => l.Inode).ToList();
        Assert.Equal(2, inventory.Count);
        Assert.Equal(new ListeningSocket("tcp", "ipv4", System.Net.IPAddress.Loopback, 40651, "loopback", 5001, 0, 100, "fake-server", "/opt/fake/server"), inventory[0]);
        Assert.Equal(new ListeningSocket("udp", "ipv4", System.Net.IPAddress.Any, 34959, "all-interfaces", 5003, 0, null, null, null), inventory[1]);
    }

    [Fact]
    public void Missing_tables_give_an_empty_snapshot_not_an_error()
    {
        using var proc = new FakeProcRoot();
        var collector = new ProcNetConnectionCollector(new ProcNetConnectionCollectorOptions { ProcRoot = proc.Path }, TimeProvider.System, host: null);

        Assert.Empty(collector.TakeSnapshot(CancellationToken.None));
        Assert.Empty(collector.CurrentListeners);
        Assert.Equal(0, collector.Counters.Get("parse_errors"));
    }
}
