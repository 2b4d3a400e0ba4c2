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
    public void A_reused_pid_is_a_new_process_whose_fds_are_read_again()
    {
        using var proc = new FakeProcRoot();
        proc.ReplaceProcess(100, "shell", "/usr/bin/bash", new Dictionary<int, string> { [0] = "socket:[5001]", [1] = "socket:[5001]", [3] = "socket:[5002]" });
        var map = new SocketInodeOwnerMap(proc.Path, new CollectorCounters());
        map.Refresh([5001, 5002]);
        Assert.Equal(0b011, map.StandardStreams(5001));
        Assert.Equal(1, map.OwnerCount);

        // Between two refreshes pid 100 exits and the number is given to another process, which got
        // socket 5001 (passed to it) on an ordinary fd; 5002 closed with the old process.
        proc.ReplaceProcess(100, "worker", "/usr/bin/worker", new Dictionary<int, string> { [7] = "socket:[5001]" });
        var scanned = map.ProcessesScanned;
        map.Refresh([5001]);

        Assert.Equal([100], map.ReleasedOwners);
        Assert.True(map.TryGetOwner(5001, out var pid));
        Assert.Equal(100, pid);
        Assert.Equal(0, map.StandardStreams(5001));
        Assert.False(map.TryGetOwner(5002, out _));
        Assert.Equal(scanned + 1, map.ProcessesScanned);

        // Stable again: nothing is read, nobody exited.
        map.Refresh([5001]);
        Assert.Empty(map.ReleasedOwners);
        Assert.Equal(scanned + 1, map.ProcessesScanned);
    }

    [Fact]
    public void A_reused_inode_is_attributed_to_its_new_holder()
    {
        using var proc = new FakeProcRoot();
        proc.AddProcess(100, "a", "/usr/bin/a", "socket:[5001]");
        proc.AddProcess(200, "b", "/usr/bin/b", "/dev/null");
        var map = new SocketInodeOwnerMap(proc.Path, new CollectorCounters());
        map.Refresh([5001]);
        Assert.True(map.TryGetOwner(5001, out var pid));
        Assert.Equal(100, pid);

        // The socket closes: its inode leaves the map at the next refresh that does not see it.
        proc.CloseFd(100, 3);
        map.Refresh([]);
        Assert.False(map.TryGetOwner(5001, out _));
        Assert.Equal(0, map.OwnerCount);

        // Later the same inode number names a socket of another process.
        proc.OpenFd(200, 4, "socket:[5001]");
        map.Refresh([5001]);
        Assert.True(map.TryGetOwner(5001, out pid));
        Assert.Equal(200, pid);
    }

    [Fact]
    public void An_owner_that_exits_with_its_sockets_leaves_nothing_behind()
    {
        using var proc = new FakeProcRoot();
        proc.AddProcess(100, "a", "/usr/bin/a", "socket:[5001]", "socket:[5002]");
        proc.AddProcess(200, "b", "/usr/bin/b", "socket:[6001]");
        var map = new SocketInodeOwnerMap(proc.Path, new CollectorCounters());
        map.Refresh([5001, 5002, 6001]);
        Assert.Equal(2, map.OwnerCount);

        proc.RemoveProcess(100);
        var scanned = map.ProcessesScanned;
        map.Refresh([6001]);

        Assert.Equal([100], map.ReleasedOwners);
        Assert.False(map.TryGetOwner(5001, out _));
        Assert.False(map.TryGetOwner(5002, out _));
        Assert.False(map.OwnsSockets(100));
        Assert.True(map.TryGetOwner(6001, out var pid));
        Assert.Equal(200, pid);
        Assert.Equal(1, map.OwnerCount);

        // Its sockets closed with it: nothing was unknown, so no fd table was read.
        Assert.Equal(scanned, map.ProcessesScanned);
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
