using System.Buffers.Binary;
using System.Net;
using Atalaya.Platform.Linux.Network;
using Atalaya.Platform.Linux.Network.SockDiag;

namespace Atalaya.Platform.Linux.Tests.Network;

/// <summary>
/// The sock_diag parsers on datagrams captured from this machine's kernel (6.18): a TCP/IPv4 dump
/// with a loopback connection where the client sent 100 bytes and the server 2000, IPv6 and UDP
/// dumps, and destroy-group notifications of two short connections (123/45 bytes and 7/0 bytes).
/// Hex files in Fixtures/, one datagram per line.
/// </summary>
public sealed class SockDiagParserTests
{
    private static byte[][] Fixture(string name) =>
        [.. File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Network", "Fixtures", name))
            .Where(l => l.Length > 0).Select(Convert.FromHexString)];

    private static List<InetDiagSocket> ParseAll(string name, byte protocol, out SockDiagDatagram last, out int malformed)
    {
        var output = new List<InetDiagSocket>();
        last = SockDiagDatagram.More;
        malformed = 0;
        foreach (var datagram in Fixture(name))
        {
            last = SockDiagParser.ParseDatagram(datagram, protocol, output, out var errno, out var bad, out var interrupted);
            Assert.Equal(0, errno);
            Assert.False(interrupted);
            malformed += bad;
        }

        return output;
    }

    [Fact]
    public void A_tcp4_dump_gives_listeners_and_both_ends_of_a_connection_with_counters()
    {
        var sockets = ParseAll("sockdiag-tcp4-dump.hex", SockDiagParser.IpprotoTcp, out var last, out var malformed);

        Assert.Equal(SockDiagDatagram.Done, last);
        Assert.Equal(0, malformed);
        Assert.Equal(4, sockets.Count);

        var listener = sockets[0];
        Assert.Equal(SockDiagParser.AfInet, listener.Family);
        Assert.Equal(SockDiagParser.IpprotoTcp, listener.Protocol);
        Assert.Equal(TcpState.Listen, listener.State);
        Assert.Equal(IPAddress.Loopback, listener.LocalAddress);
        Assert.Equal(47001, listener.LocalPort);
        Assert.Equal(IPAddress.Any, listener.RemoteAddress);
        Assert.Equal(0, listener.RemotePort);
        Assert.Equal(141426, listener.Inode);
        Assert.Equal(4097UL, listener.Cookie);
        Assert.Equal(0u, listener.Uid);
        Assert.Equal(new TcpInfoCounters(10, 0, 0, 0, 0), listener.TcpInfo);

        Assert.Equal(2024, sockets[1].LocalPort);
        Assert.Equal(IPAddress.Any, sockets[1].LocalAddress);
        Assert.Equal(1065, sockets[1].Inode);

        var server = sockets[2];
        Assert.Equal(TcpState.Established, server.State);
        Assert.Equal((47001, 58510), (server.LocalPort, server.RemotePort));
        Assert.Equal(IPAddress.Loopback, server.RemoteAddress);
        Assert.Equal(141428, server.Inode);
        Assert.Equal(4098UL, server.Cookie);
        Assert.Equal(new TcpInfoCounters(1, 23, 2000, 100, 2000), server.TcpInfo);

        var client = sockets[3];
        Assert.Equal((58510, 47001), (client.LocalPort, client.RemotePort));
        Assert.Equal(141427, client.Inode);
        Assert.Equal(4099UL, client.Cookie);

        // bytes_acked counts the client's SYN: 101 for 100 bytes of payload; bytes_sent is the payload.
        Assert.Equal(new TcpInfoCounters(1, 29, 101, 2000, 100), client.TcpInfo);
        Assert.Equal(new SocketTraffic(100, 2000, 29, HandshakeCompleted: true), SocketTraffic.From(client.TcpInfo));
    }

    [Fact]
    public void A_tcp6_dump_reads_sixteen_byte_addresses()
    {
        var sockets = ParseAll("sockdiag-tcp6-dump.hex", SockDiagParser.IpprotoTcp, out var last, out _);

        Assert.Equal(SockDiagDatagram.Done, last);
        Assert.Equal(3, sockets.Count);
        Assert.All(sockets, s => Assert.Equal(SockDiagParser.AfInet6, s.Family));
        Assert.Equal(IPAddress.IPv6Loopback, sockets[0].LocalAddress);
        Assert.Equal(IPAddress.IPv6Any, sockets[0].RemoteAddress);
        Assert.Equal(47002, sockets[0].LocalPort);
        Assert.Equal(141429, sockets[0].Inode);
        var client = sockets[2];
        Assert.Equal((60700, 47002), (client.LocalPort, client.RemotePort));
        Assert.Equal(IPAddress.IPv6Loopback, client.RemoteAddress);
        Assert.Equal(new TcpInfoCounters(1, 22, 301, 0, 300), client.TcpInfo);
    }

    [Theory]
    [InlineData("sockdiag-udp4-dump.hex", SockDiagParser.AfInet, "127.0.0.1", 47003, "0.0.0.0", 0, 7, 141432)]
    [InlineData("sockdiag-udp6-dump.hex", SockDiagParser.AfInet6, "::1", 47004, "::1", 47013, 1, 141433)]
    public void Udp_dumps_have_no_byte_counters(string fixture, byte family, string local, int localPort, string remote, int remotePort, byte state, long inode)
    {
        var sockets = ParseAll(fixture, SockDiagParser.IpprotoUdp, out var last, out _);

        Assert.Equal(SockDiagDatagram.Done, last);
        var socket = Assert.Single(sockets);
        Assert.Equal(family, socket.Family);
        Assert.Equal(SockDiagParser.IpprotoUdp, socket.Protocol);
        Assert.Equal(IPAddress.Parse(local), socket.LocalAddress);
        Assert.Equal(localPort, socket.LocalPort);
        Assert.Equal(IPAddress.Parse(remote), socket.RemoteAddress);
        Assert.Equal(remotePort, socket.RemotePort);
        Assert.Equal((TcpState)state, socket.State);
        Assert.Equal(inode, socket.Inode);
        Assert.Null(socket.TcpInfo);
        Assert.Null(SocketRow.FromInetDiag(socket).Traffic);
    }

    [Fact]
    public void Destroy_notifications_carry_protocol_cookie_and_final_counters_but_no_inode()
    {
        var sockets = ParseAll("sockdiag-tcp-destroy.hex", protocol: 0, out var last, out var malformed);

        Assert.Equal(SockDiagDatagram.More, last);
        Assert.Equal(0, malformed);
        Assert.Equal(6, sockets.Count);
        Assert.All(sockets, s =>
        {
            Assert.Equal(SockDiagParser.IpprotoTcp, s.Protocol);
            Assert.Equal(TcpState.Close, s.State);
            Assert.Equal(0, s.Inode);
            Assert.Equal(0u, s.Uid);
        });

        var client = sockets[0];
        Assert.Equal((IPAddress.Loopback, 34722, IPAddress.Loopback, 47005), (client.LocalAddress, client.LocalPort, client.RemoteAddress, client.RemotePort));
        Assert.Equal(4105UL, client.Cookie);

        // 123 bytes sent, 45 received: bytes_received also counts the server's FIN.
        Assert.Equal(new TcpInfoCounters(7, 28, 125, 46, 123), client.TcpInfo);
        var server = sockets[1];
        Assert.Equal((47005, 34722), (server.LocalPort, server.RemotePort));
        Assert.Equal(new TcpInfoCounters(7, 25, 46, 124, 45), server.TcpInfo);
        Assert.Equal(0, sockets[2].RemotePort);
        Assert.Equal(SockDiagParser.AfInet6, sockets[3].Family);
        Assert.Equal(new TcpInfoCounters(7, 19, 9, 1, 7), sockets[3].TcpInfo);
        Assert.Equal(new TcpInfoCounters(7, 17, 1, 8, 0), sockets[4].TcpInfo);
    }

    [Fact]
    public void The_dump_request_is_an_inet_diag_req_v2_asking_for_tcp_info()
    {
        Span<byte> request = stackalloc byte[SockDiagParser.DumpRequestLength];
        var length = SockDiagParser.WriteDumpRequest(request, SockDiagParser.AfInet6, SockDiagParser.IpprotoTcp, 0x400, 7);

        Assert.Equal(72, length);
        Assert.Equal(72u, BinaryPrimitives.ReadUInt32LittleEndian(request));
        Assert.Equal(20, BinaryPrimitives.ReadUInt16LittleEndian(request[4..]));
        Assert.Equal(0x301, BinaryPrimitives.ReadUInt16LittleEndian(request[6..]));
        Assert.Equal(7u, BinaryPrimitives.ReadUInt32LittleEndian(request[8..]));
        Assert.Equal([10, 6, 2, 0], request[16..20].ToArray());
        Assert.Equal(0x400u, BinaryPrimitives.ReadUInt32LittleEndian(request[20..]));
        Assert.True(request[24..].IndexOfAnyExcept((byte)0) < 0);
    }

    public static TheoryData<string, byte[]> Hostile()
    {
        var real = Fixture("sockdiag-tcp4-dump.hex")[0];
        var tooLong = (byte[])real.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(tooLong, 100_000);
        var tooShort = (byte[])real.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(tooShort, 8);
        var zeroAttribute = (byte[])real.Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(zeroAttribute.AsSpan(16 + 72), 0);
        var badFamily = (byte[])real.Clone();
        badFamily[16] = 1;
        return new TheoryData<string, byte[]>
        {
            { "empty", [] },
            { "header cut in half", real[..10] },
            { "message cut after the header", real[..20] },
            { "nlmsg_len beyond the datagram", tooLong },
            { "nlmsg_len smaller than a header", tooShort },
            { "attribute of length zero", zeroAttribute },
            { "AF_UNIX family", badFamily },
            { "random bytes", [.. Enumerable.Range(0, 300).Select(i => (byte)(i * 37))] },
        };
    }

    [Theory]
    [MemberData(nameof(Hostile))]
    public void Hostile_datagrams_are_counted_never_thrown(string why, byte[] datagram)
    {
        var output = new List<InetDiagSocket>();
        var status = SockDiagParser.ParseDatagram(datagram, SockDiagParser.IpprotoTcp, output, out var errno, out var malformed, out _);

        Assert.NotEqual(SockDiagDatagram.Error, status);
        Assert.Equal(0, errno);
        Assert.True(datagram.Length == 0 ? malformed == 0 : malformed > 0, why);
        Assert.All(output, s => Assert.Equal(SockDiagParser.IpprotoTcp, s.Protocol));
    }

    [Fact]
    public void A_netlink_error_reports_the_errno()
    {
        var datagram = new byte[36];
        BinaryPrimitives.WriteUInt32LittleEndian(datagram, 36);
        BinaryPrimitives.WriteUInt16LittleEndian(datagram.AsSpan(4), SockDiagParser.NlmsgError);
        BinaryPrimitives.WriteInt32LittleEndian(datagram.AsSpan(16), -1);

        var status = SockDiagParser.ParseDatagram(datagram, SockDiagParser.IpprotoTcp, [], out var errno, out _, out _);

        Assert.Equal(SockDiagDatagram.Error, status);
        Assert.Equal(1, errno);
    }

    [Fact]
    public void A_short_tcp_info_from_an_older_kernel_leaves_the_newer_counters_null()
    {
        var info = new byte[104];
        info[0] = 1;
        BinaryPrimitives.WriteUInt32LittleEndian(info.AsSpan(68), 500);

        Assert.Equal(new TcpInfoCounters(1, 500, null, null, null), SockDiagParser.ParseTcpInfo(info));
        Assert.Null(SockDiagParser.ParseTcpInfo(info.AsSpan(0, 40)));
        var v = new byte[136];
        BinaryPrimitives.WriteUInt64LittleEndian(v.AsSpan(120), 5);
        BinaryPrimitives.WriteUInt64LittleEndian(v.AsSpan(128), 6);
        Assert.Equal(new TcpInfoCounters(0, 0, 5, 6, null), SockDiagParser.ParseTcpInfo(v));
    }
}
