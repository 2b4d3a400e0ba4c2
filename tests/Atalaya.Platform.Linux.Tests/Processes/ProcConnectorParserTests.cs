using System.Text;
using Atalaya.Platform.Linux.Processes;
using Atalaya.TestKit;

namespace Atalaya.Platform.Linux.Tests.Processes;

public sealed class ProcConnectorParserTests
{
    private static ProcConnectorEvent ParseOne(byte[] datagram)
    {
        Assert.True(ProcConnectorParser.TryReadNetlinkMessage(datagram, out var type, out var payload, out var rest));
        Assert.Equal(3, type);
        Assert.True(rest.IsEmpty);
        Assert.True(ProcConnectorParser.TryParse(payload, out var value));
        return value;
    }

    [Fact]
    public void Fork_of_a_process_reads_all_four_pids_and_the_unaligned_timestamp()
    {
        var value = ParseOne(ConnectorDatagrams.Fork(100, 100, 4242, 4242, timestamp: 0x0102030405060708));
        Assert.Equal(ProcEventKind.Fork, value.Kind);
        Assert.Equal(1u, value.Cpu);
        Assert.Equal(0x0102030405060708UL, value.TimestampNs);
        Assert.Equal(100, value.ParentPid);
        Assert.Equal(100, value.ParentTgid);
        Assert.Equal(4242, value.Pid);
        Assert.Equal(4242, value.Tgid);
        Assert.False(value.IsThread);
    }

    [Fact]
    public void Fork_creating_a_thread_is_marked_as_thread()
    {
        var value = ParseOne(ConnectorDatagrams.Fork(100, 100, 4243, 100));
        Assert.True(value.IsThread);
    }

    [Fact]
    public void Exit_carries_code_signal_and_parent()
    {
        var value = ParseOne(ConnectorDatagrams.Exit(4242, 4242, 256, 17, 100, 100));
        Assert.Equal(ProcEventKind.Exit, value.Kind);
        Assert.Equal(4242, value.Tgid);
        Assert.Equal(256u, value.ExitCode);
        Assert.Equal(17u, value.ExitSignal);
        Assert.Equal(100, value.ParentTgid);
    }

    [Fact]
    public void Exit_without_parent_fields_from_kernels_before_4_18_parses()
    {
        var value = ParseOne(ConnectorDatagrams.Build(ProcEventKind.Exit, 5, 7, 7, 0, 17));
        Assert.Equal(7, value.Pid);
        Assert.Equal(0, value.ParentTgid);
    }

    [Fact]
    public void Uid_change_carries_real_and_effective()
    {
        var value = ParseOne(ConnectorDatagrams.Uid(50, 50, 1000, 0));
        Assert.Equal(ProcEventKind.Uid, value.Kind);
        Assert.Equal(1000u, value.RealId);
        Assert.Equal(0u, value.EffectiveId);
    }

    [Fact]
    public void Ptrace_attach_and_detach()
    {
        var attach = ParseOne(ConnectorDatagrams.Ptrace(50, 50, 60, 60));
        Assert.Equal(60, attach.TracerTgid);
        Assert.True(attach.IsAttach);
        var detach = ParseOne(ConnectorDatagrams.Ptrace(50, 50, 0, 0));
        Assert.False(detach.IsAttach);
    }

    [Theory]
    [InlineData(new byte[] { (byte)'b', (byte)'a', (byte)'s', (byte)'h', 0, (byte)'x' }, "bash")]
    [InlineData(new byte[] { (byte)'[', (byte)'k', (byte)'w', (byte)'o', (byte)'r', (byte)'k', (byte)'e', (byte)'r', (byte)'/', (byte)'0', (byte)':', (byte)'1', (byte)']' }, "[kworker/0:1]")]
    [InlineData(new byte[] { (byte)'a', 0x0a, (byte)'b', 0xff, 0xfe }, "a\nb\ufffd\ufffd")]
    [InlineData(new byte[] { (byte)'0', (byte)'1', (byte)'2', (byte)'3', (byte)'4', (byte)'5', (byte)'6', (byte)'7', (byte)'8', (byte)'9', (byte)'a', (byte)'b', (byte)'c', (byte)'d', (byte)'e', (byte)'f' }, "0123456789abcdef")]
    public void Comm_is_cut_at_the_nul_and_hostile_bytes_are_replaced(byte[] comm, string expected)
    {
        var value = ParseOne(ConnectorDatagrams.Comm(9, 9, comm));
        Assert.Equal(ProcEventKind.Comm, value.Kind);
        Assert.Equal(expected, value.Comm);
    }

    [Fact]
    public void Truncated_and_foreign_messages_are_rejected()
    {
        var exec = ConnectorDatagrams.Exec(5, 5);
        for (var cut = 0; cut < exec.Length; cut++)
        {
            var datagram = exec.AsSpan(0, cut);
            if (ProcConnectorParser.TryReadNetlinkMessage(datagram, out _, out var payload, out _))
            {
                Assert.False(ProcConnectorParser.TryParse(payload, out _));
            }
        }

        var foreign = ConnectorDatagrams.Wrap(ProcEventKind.Exec, 1, new byte[8], idx: 7);
        Assert.True(ProcConnectorParser.TryReadNetlinkMessage(foreign, out _, out var p, out _));
        Assert.False(ProcConnectorParser.TryParse(p, out _));

        var unknown = ConnectorDatagrams.Wrap((ProcEventKind)0x1234, 1, new byte[32]);
        Assert.True(ProcConnectorParser.TryReadNetlinkMessage(unknown, out _, out var u, out _));
        Assert.False(ProcConnectorParser.TryParse(u, out _));
    }

    [Fact]
    public void A_header_claiming_more_than_the_datagram_is_rejected()
    {
        var exec = ConnectorDatagrams.Exec(5, 5);
        exec[0] = 0xff;
        Assert.False(ProcConnectorParser.TryReadNetlinkMessage(exec, out _, out _, out _));
    }

    [Fact]
    public void Two_messages_in_one_datagram_are_both_read()
    {
        var datagram = ConnectorDatagrams.Exec(5, 5).Concat(ConnectorDatagrams.Exec(6, 6)).ToArray();
        Assert.True(ProcConnectorParser.TryReadNetlinkMessage(datagram, out _, out var first, out var rest));
        Assert.True(ProcConnectorParser.TryParse(first, out var a));
        Assert.True(ProcConnectorParser.TryReadNetlinkMessage(rest, out _, out var second, out var end));
        Assert.True(ProcConnectorParser.TryParse(second, out var b));
        Assert.Equal((5, 6), (a.Pid, b.Pid));
        Assert.True(end.IsEmpty);
    }

    [Fact]
    public void Subscription_message_matches_the_kernel_layout()
    {
        var message = ProcConnectorParser.BuildSubscription(listen: true, portId: 77);
        Assert.Equal(40, message.Length);
        Assert.Equal(
            "28000000" + "0300" + "0000" + "00000000" + "4d000000"
            + "01000000" + "01000000" + "00000000" + "00000000" + "0400" + "0000"
            + "01000000",
            Convert.ToHexStringLower(message));
    }

    [Fact]
    public void A_filtered_subscription_carries_proc_input_with_the_kinds()
    {
        // Linux 6.6+: struct proc_input { PROC_CN_MCAST_LISTEN, event_type mask }.
        var message = ProcConnectorParser.BuildSubscription(listen: true, portId: 77, ProcEventKind.Uid | ProcEventKind.Ptrace);
        Assert.Equal(44, message.Length);
        Assert.Equal(
            "2c000000" + "0300" + "0000" + "00000000" + "4d000000"
            + "01000000" + "01000000" + "00000000" + "00000000" + "0800" + "0000"
            + "01000000" + "04010000",
            Convert.ToHexStringLower(message));
    }

    [Theory]
    [InlineData("sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode\n"
        + "0000000000000000 0   4195374    00000000 0        0        0     2        0        27013\n"
        + "0000000000000000 11  774        00000001 0        0        0     2        42       99211\n", 11, 774u, true, 42UL)]
    [InlineData("sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode\n0 11 774 1 0 0 0 2 0 1\n", 11, 775u, false, 0UL)]
    [InlineData("0 11 774 1 0 0\n", 11, 774u, false, 0UL)]
    public void Netlink_drops_are_found_for_the_socket(string text, int protocol, uint port, bool found, ulong drops)
    {
        Assert.Equal(found, NetlinkDropsParser.TryFindDrops(text, protocol, port, out var value));
        Assert.Equal(drops, value);
    }

    [ProcConnectorFact]
    public void Real_kernel_datagrams_parse_and_report_an_exec_of_a_spawned_process()
    {
        using var socket = ProcConnectorSocket.TryOpen(1 << 20, TimeSpan.FromMilliseconds(200), out var reason);
        Assert.True(socket is not null, reason);

        using var child = SpawnedProcess.Start("/usr/bin/true", []);
        var pid = child.Pid;
        var buffer = new byte[65536];
        var seen = new HashSet<ProcEventKind>();
        for (var i = 0; i < 5000 && !seen.Contains(ProcEventKind.Exit); i++)
        {
            var n = socket.Receive(buffer);
            if (n < 0)
            {
                continue;
            }

            ReadOnlySpan<byte> datagram = buffer.AsSpan(0, n);
            while (ProcConnectorParser.TryReadNetlinkMessage(datagram, out _, out var payload, out var rest))
            {
                datagram = rest;
                if (ProcConnectorParser.TryParse(payload, out var value) && value.Tgid == pid && !value.IsThread)
                {
                    seen.Add(value.Kind);
                    Assert.True(value.TimestampNs > 0);
                    Assert.True((long)value.TimestampNs <= System.Diagnostics.Stopwatch.GetTimestamp());
                }
            }
        }

        Assert.Contains(ProcEventKind.Exec, seen);
        Assert.Contains(ProcEventKind.Exit, seen);
    }
}
