using System.Net;
using System.Net.Sockets;
using Atalaya.Core.Pipeline;
using Atalaya.Platform.Linux.Network;

namespace Atalaya.Platform.Linux.Tests.Network;

public sealed class SocketInodeOwnerMapTests
{
    [Theory]
    [InlineData("socket:[12345]", true, 12345L)]
    [InlineData("socket:[9223372036854775807]", true, long.MaxValue)]
    [InlineData("socket:[0]", false, 0L)]
    [InlineData("socket:[]", false, 0L)]
    [InlineData("socket:[12a]", false, 0L)]
    [InlineData("socket:[-1]", false, 0L)]
    [InlineData("socket:[12345", false, 0L)]
    [InlineData("pipe:[12345]", false, 0L)]
    [InlineData("anon_inode:[eventpoll]", false, 0L)]
    [InlineData("/dev/null", false, 0L)]
    [InlineData("/tmp/socket:[12345]", false, 0L)]
    public void Recognizes_only_socket_links(string target, bool expected, long expectedInode)
    {
        Assert.Equal(expected, SocketInodeOwnerMap.TryParseSocketLink(target, out var inode));
        Assert.Equal(expectedInode, inode);
    }

    [Fact]
    public void Scans_only_when_an_inode_is_unknown_and_new_processes_first()
    {
        using var proc = new FakeProcRoot();
        proc.AddProcess(100, "server", "/usr/sbin/server", "socket:[5001]", "pipe:[9]", "/dev/null");
        var counters = new CollectorCounters();
        var map = new SocketInodeOwnerMap(proc.Path, counters);

        map.Refresh([5001]);
        Assert.True(map.TryGetOwner(5001, out var pid));
        Assert.Equal(100, pid);
        Assert.Equal(1, map.Rescans);

        // Everything known: no fd table is read.
        var scanned = map.ProcessesScanned;
        map.Refresh([5001, 0]);
        Assert.Equal(1, map.Rescans);
        Assert.Equal(scanned, map.ProcessesScanned);

        // A process that appeared since is read first, and the scan stops once it owns the new inode.
        proc.AddProcess(400, "client", "/usr/bin/client", "socket:[5005]");
        map.Refresh([5001, 5005]);
        Assert.True(map.TryGetOwner(5005, out pid));
        Assert.Equal(400, pid);
        Assert.Equal(2, map.Rescans);
        Assert.Equal(scanned + 1, map.ProcessesScanned);
        Assert.False(map.TryGetOwner(0, out _));
    }

    [Fact]
    public void Remembers_an_ownerless_inode_and_retries_it_after_a_while()
    {
        using var proc = new FakeProcRoot();
        proc.AddProcess(100, "server", "/usr/sbin/server", "socket:[5001]");
        var map = new SocketInodeOwnerMap(proc.Path, new CollectorCounters());

        map.Refresh([5001, 7777]);
        Assert.False(map.TryGetOwner(7777, out _));
        Assert.Equal(1, map.Rescans);

        // The kernel socket is not searched for again on every cycle...
        proc.AddProcess(300, "late", "/usr/bin/late", "socket:[7777]");
        map.Refresh([5001, 7777]);
        Assert.Equal(1, map.Rescans);
        Assert.False(map.TryGetOwner(7777, out _));

        // ...but after the retry period it is, and a process holding it by then is found.
        for (var i = 0; i < SocketInodeOwnerMap.OwnerlessRetryCycles; i++)
        {
            map.Refresh([5001, 7777]);
        }

        Assert.True(map.TryGetOwner(7777, out var pid));
        Assert.Equal(300, pid);
    }

    [Fact]
    public void Forgets_owners_that_exited_and_sockets_that_closed()
    {
        using var proc = new FakeProcRoot();
        proc.AddProcess(100, "parent", "/usr/sbin/server", "socket:[5001]");
        var map = new SocketInodeOwnerMap(proc.Path, new CollectorCounters());
        map.Refresh([5001]);
        Assert.True(map.TryGetOwner(5001, out _));

        // The parent exits and a child that inherited the socket keeps it open.
        proc.RemoveProcess(100);
        proc.AddProcess(200, "child", "/usr/sbin/server", "socket:[5001]");
        map.Refresh([5001]);
        Assert.True(map.TryGetOwner(5001, out var pid));
        Assert.Equal(200, pid);

        map.Refresh([]);
        Assert.False(map.TryGetOwner(5001, out _));
    }

    [Fact]
    public void Counts_a_process_that_vanished_mid_scan_instead_of_throwing()
    {
        using var proc = new FakeProcRoot();
        proc.AddVanishedProcess(150);
        proc.AddProcess(100, "server", "/usr/sbin/server", "socket:[5001]");
        var counters = new CollectorCounters();
        var map = new SocketInodeOwnerMap(proc.Path, counters);

        // 9999 has no owner, so every pid is read, the vanished one included.
        map.Refresh([5001, 9999]);

        Assert.True(map.TryGetOwner(5001, out var pid));
        Assert.Equal(100, pid);
        Assert.Equal(1, counters.Get("processes_vanished"));
        Assert.Equal(0, counters.Get("fd_scan_errors"));
    }

    [Fact]
    public void Counts_a_process_whose_fds_cannot_be_read_instead_of_throwing()
    {
        using var proc = new FakeProcRoot();
        proc.AddUnreadableProcess(1, fdCount: 50);
        proc.AddProcess(100, "server", "/usr/sbin/server", "socket:[5001]");
        var counters = new CollectorCounters();
        var map = new SocketInodeOwnerMap(proc.Path, counters);

        map.Refresh([5001, 9999]);

        Assert.True(map.TryGetOwner(5001, out var pid));
        Assert.Equal(100, pid);
        Assert.False(map.TryGetOwner(9999, out _));
        Assert.Equal(1, counters.Get("fd_scan_errors"));
        Assert.Equal(0, counters.Get("processes_vanished"));
    }

    [Fact]
    public void Finds_this_process_as_the_owner_of_its_real_listener()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var rows = new List<ProcNetSocket>();
        Assert.True(ProcNetTableReader.TryRead("/proc", ProcNetTable.Tcp, rows, out _));
        var inode = rows.Single(r => r.LocalPort == port && r.State == TcpState.Listen).Inode;

        var map = new SocketInodeOwnerMap("/proc", new CollectorCounters());
        map.Refresh([inode]);

        Assert.True(map.TryGetOwner(inode, out var pid));
        Assert.Equal(Environment.ProcessId, pid);
    }
}
