using System.Net;
using Atalaya.Core.Pipeline;
using Atalaya.Platform.Linux.Network;

namespace Atalaya.Platform.Linux.Tests.Network;

/// <summary>The inventory's per-cycle caches: owners read once, unchanged sockets reused, exec and pid reuse seen.</summary>
public sealed class SocketInventoryTests
{
    private static readonly IPAddress Local = IPAddress.Parse("10.0.0.5");
    private static readonly IPAddress Remote = IPAddress.Parse("198.51.100.10");

    [Fact]
    public void Reads_an_owner_once_and_reuses_unchanged_sockets()
    {
        using var proc = new FakeProcRoot();
        proc.AddProcess(100, "client", "/usr/bin/client", "socket:[5001]", "socket:[5002]");
        var inventory = new SocketInventory(proc.Path, new CollectorCounters(), closingStatesAreOpen: true);

        var first = inventory.Observe([Connection(5001, 40001, cookie: 11), Connection(5002, 40002, cookie: 12)]).ToList();
        Assert.Equal(1, inventory.OwnerReads);
        Assert.All(first, s => Assert.Equal("/usr/bin/client", s.Owner?.Executable));

        var second = inventory.Observe([Connection(5001, 40001, cookie: 11), Connection(5002, 40002, cookie: 12, sent: 900)]).ToList();
        Assert.Same(first[0], second[0]);

        // Changed counters: a new object with the new bytes and the same cached owner.
        Assert.NotSame(first[1], second[1]);
        Assert.Equal(900, second[1].Row.Traffic?.BytesSent);
        Assert.Same(first[1].Owner, second[1].Owner);
        Assert.Equal(1, inventory.OwnerReads);
    }

    [Fact]
    public void A_socket_opened_after_exec_names_the_new_program()
    {
        using var proc = new FakeProcRoot();
        proc.AddProcess(100, "bash", "/usr/bin/bash", "socket:[5001]");
        var inventory = new SocketInventory(proc.Path, new CollectorCounters(), closingStatesAreOpen: true);
        var before = inventory.Observe([Connection(5001, 40001, cookie: 11)]).Single();
        Assert.Equal("/usr/bin/bash", before.Owner?.Executable);

        // execve keeps the pid and the fds; the new socket belongs to the new program.
        proc.Exec(100, "nc", "/usr/bin/nc.openbsd");
        proc.OpenFd(100, 9, "socket:[5003]");
        var after = inventory.Observe([Connection(5001, 40001, cookie: 11), Connection(5003, 40003, cookie: 13)]);

        Assert.Same(before, after[0]);
        Assert.Equal("/usr/bin/nc.openbsd", after[1].Owner?.Executable);
        Assert.Equal("nc", after[1].Owner?.Name);
        Assert.Equal(2, inventory.OwnerReads);
    }

    [Fact]
    public void A_reused_pid_is_read_again()
    {
        using var proc = new FakeProcRoot();
        proc.ReplaceProcess(100, "old", "/usr/bin/old", new Dictionary<int, string> { [3] = "socket:[5001]" });
        var inventory = new SocketInventory(proc.Path, new CollectorCounters(), closingStatesAreOpen: true);
        Assert.Equal("old", inventory.Observe([Connection(5001, 40001, cookie: 11)]).Single().Owner?.Name);

        proc.ReplaceProcess(100, "new", "/usr/bin/old", new Dictionary<int, string> { [3] = "socket:[5002]" });
        var socket = inventory.Observe([Connection(5002, 40002, cookie: 12)]).Single();

        // Same executable, but another process: its comm is read, not taken from the dead one.
        Assert.Equal("new", socket.Owner?.Name);
        Assert.Equal(2, inventory.OwnerReads);
    }

    private static SocketRow Connection(long inode, int localPort, ulong cookie, long sent = 100) => new(
        IsUdp: false, IsIpv6: false, Local, localPort, Remote, 443, TcpState.Established, Uid: 1000, inode, cookie,
        new SocketTraffic(sent, 200, 300, HandshakeCompleted: true));
}
