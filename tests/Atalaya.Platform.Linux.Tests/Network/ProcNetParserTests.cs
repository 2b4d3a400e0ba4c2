using System.Net;
using Atalaya.Platform.Linux.Network;

namespace Atalaya.Platform.Linux.Tests.Network;

/// <summary>Rows captured from this machine's /proc/net tables (Debian 12, kernel 6.x), trailing padding kept.</summary>
public sealed class ProcNetParserTests
{
    public static TheoryData<string, bool, ExpectedSocket> CapturedRows => new()
    {
        // tcp: a listener on 127.0.0.1
        { "   0: 0100007F:9ECB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 32037 1 0000000048c753ba 100 0 0 10 0                     ",
            false, new("127.0.0.1", 40651, "0.0.0.0", 0, 10, 0u, 0u, 0u, 32037L) },
        // tcp: a listener on 0.0.0.0
        { "   1: 00000000:B20D 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 32038 1 00000000e3fee586 100 0 0 10 0                     ",
            false, new("0.0.0.0", 45581, "0.0.0.0", 0, 10, 0u, 0u, 0u, 32038L) },
        // tcp: the accepted side of a loopback connection with 100 unread bytes
        { "   4: 0100007F:9ECB 0100007F:A6A2 01 00000000:00000064 00:00000000 00000000     0        0 32042 1 00000000803d3e4b 20 4 30 10 -1                    ",
            false, new("127.0.0.1", 40651, "127.0.0.1", 42658, 1, 0u, 100u, 0u, 32042L) },
        // tcp: TIME_WAIT has no inode and a running timer
        { "   6: 0100007F:A6AA 0100007F:9ECB 06 00000000:00000000 03:0000175B 00000000     0        0 0 3 000000000f7afa6f                                      ",
            false, new("127.0.0.1", 42666, "127.0.0.1", 40651, 6, 0u, 0u, 0u, 0L) },
        // tcp: a listener opened by uid 65534 (nobody)
        { "   0: 0100007F:DADF 00000000:0000 0A 00000000:00000000 00:00000000 00000000 65534        0 32072 1 00000000e3fee586 100 0 0 10 0                     ",
            false, new("127.0.0.1", 56031, "0.0.0.0", 0, 10, 0u, 0u, 65534u, 32072L) },
        // tcp: a listener on a specific interface address
        { "   0: 020200C0:8A1F 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 31698 1 000000001da0d858 100 0 0 10 0                     ",
            false, new("192.0.2.2", 35359, "0.0.0.0", 0, 10, 0u, 0u, 0u, 31698L) },
        // tcp6: a listener on ::
        { "   0: 00000000000000000000000000000000:AACD 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 32040 1 00000000a2105c98 100 0 0 10 0",
            true, new("::", 43725, "::", 0, 10, 0u, 0u, 0u, 32040L) },
        // tcp6: a listener on ::1
        { "   1: 00000000000000000000000001000000:9BCB 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 32039 1 00000000d86712c5 100 0 0 10 0",
            true, new("::1", 39883, "::", 0, 10, 0u, 0u, 0u, 32039L) },
        // tcp6: a dual-stack listener's accepted IPv4 connection, kept IPv4-mapped by the parser
        { "   3: 0000000000000000FFFF00000100007F:E6ED 0000000000000000FFFF00000100007F:C42C 01 00000000:00000000 00:00000000 00000000     0        0 32047 1 000000003ba24c62 20 0 0 10 -1",
            true, new("::ffff:127.0.0.1", 59117, "::ffff:127.0.0.1", 50220, 1, 0u, 0u, 0u, 32047L) },
        // tcp6: an IPv6 loopback client
        { "   4: 00000000000000000000000001000000:8D7E 00000000000000000000000001000000:9BCB 01 00000000:00000000 00:00000000 00000000     0        0 32043 2 00000000c836d0bc 20 0 0 10 -1",
            true, new("::1", 36222, "::1", 39883, 1, 0u, 0u, 0u, 32043L) },
        // tcp6: a listener on a unique local address, then one on a link-local address (the scope id is not in the table)
        { "   0: 000000FD000000000000000002000000:AA33 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 31699 1 0000000013e36fc6 100 0 0 10 0",
            true, new("fd00::2", 43571, "::", 0, 10, 0u, 0u, 0u, 31699L) },
        { "   1: 000080FE00000000FF00FC00010000FE:D6CF 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 31700 1 00000000475072a1 100 0 0 10 0",
            true, new("fe80::fc:ff:fe00:1", 54991, "::", 0, 10, 0u, 0u, 0u, 31700L) },
        // udp: connected to 127.0.0.1:53 (state 01), unconnected on 0.0.0.0 (state 07), five-digit slot without a leading space
        { " 1849: 0100007F:AE6C 0100007F:0035 01 00000000:00000000 00:00000000 00000000     0        0 32054 2 0000000020bc62d1 0         ",
            false, new("127.0.0.1", 44652, "127.0.0.1", 53, 1, 0u, 0u, 0u, 32054L) },
        { " 8540: 00000000:888F 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 32051 2 00000000f6b94aa7 0         ",
            false, new("0.0.0.0", 34959, "0.0.0.0", 0, 7, 0u, 0u, 0u, 32051L) },
        { "12334: 0100007F:D761 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 32050 2 000000009cc78e5b 0         ",
            false, new("127.0.0.1", 55137, "0.0.0.0", 0, 7, 0u, 0u, 0u, 32050L) },
        // udp6: bound to ::ffff:127.0.0.1, connected to [::1]:53, bound to ::1 by nobody
        { " 2443: 0000000000000000FFFF00000100007F:B0BE 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 32056 2 000000008c0a2997 0",
            true, new("::ffff:127.0.0.1", 45246, "::", 0, 7, 0u, 0u, 0u, 32056L) },
        { "10279: 00000000000000000000000001000000:CF5A 00000000000000000000000001000000:0035 01 00000000:00000000 00:00000000 00000000     0        0 32055 2 00000000b29b3287 0",
            true, new("::1", 53082, "::1", 53, 1, 0u, 0u, 0u, 32055L) },
        { "12229: 00000000000000000000000001000000:D6F8 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000 65534        0 32073 2 0000000037faf4b6 0",
            true, new("::1", 55032, "::", 0, 7, 0u, 0u, 65534u, 32073L) },
        // Tolerated: the row cut right after the inode, a trailing CR, tabs, lower-case hex, queues near the top of u32.
        { "   0: 0100007F:9ECB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 32037",
            false, new("127.0.0.1", 40651, "0.0.0.0", 0, 10, 0u, 0u, 0u, 32037L) },
        { "   0: 0100007F:9ECB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 32037 1 0000000048c753ba 100 0 0 10 0\r",
            false, new("127.0.0.1", 40651, "0.0.0.0", 0, 10, 0u, 0u, 0u, 32037L) },
        { "0:\t0100007f:9ecb\t00000000:0000\t0a\tFFFFFFFF:7fffffff\t00:00000000\t00000000\t4294967294\t0\t9223372036854775807",
            false, new("127.0.0.1", 40651, "0.0.0.0", 0, 10, uint.MaxValue, 0x7FFFFFFFu, 4294967294u, long.MaxValue) },
    };

    [Theory]
    [MemberData(nameof(CapturedRows))]
    public void Parses_every_field_of_a_captured_row(string line, bool ipv6, ExpectedSocket expected)
    {
        var (localIp, localPort, remoteIp, remotePort, state, txQueue, rxQueue, uid, inode) = expected;
        Assert.True(ProcNetParser.TryParseLine(line, ipv6, out var socket));

        Assert.Equal(IPAddress.Parse(localIp), socket.LocalAddress);
        Assert.Equal(localPort, socket.LocalPort);
        Assert.Equal(IPAddress.Parse(remoteIp), socket.RemoteAddress);
        Assert.Equal(remotePort, socket.RemotePort);
        Assert.Equal(state, (int)socket.State);
        Assert.Equal(txQueue, socket.TxQueue);
        Assert.Equal(rxQueue, socket.RxQueue);
        Assert.Equal(uid, socket.Uid);
        Assert.Equal(inode, socket.Inode);
    }

    [Fact]
    public void Keeps_an_ipv4_mapped_address_mapped_and_in_network_byte_order()
    {
        const string line = "   3: 0000000000000000FFFF00000100007F:E6ED 0000000000000000FFFF00000100007F:C42C 01 00000000:00000000 00:00000000 00000000     0        0 32047 1 000000003ba24c62 20 0 0 10 -1";

        Assert.True(ProcNetParser.TryParseLine(line, ipv6: true, out var socket));

        Assert.True(socket.LocalAddress.IsIPv4MappedToIPv6);
        Assert.Equal([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 127, 0, 0, 1], socket.LocalAddress.GetAddressBytes());
        Assert.Equal(IPAddress.Loopback, socket.LocalAddress.MapToIPv4());
    }

    public static TheoryData<string, bool> RejectedRows => new()
    {
        // Headers of the four tables (udp's starts with three spaces).
        { "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode                                                     ", false },
        { "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops            ", false },
        { "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode", true },
        { "", false },
        { "      ", false },
        // Truncated: before the inode, in the middle of an address, after the slot.
        { "   0: 0100007F:9ECB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0", false },
        { "   0: 0100007F:9E", false },
        { "   0:", false },
        // An IPv6 row read as IPv4 and the other way round.
        { "   1: 00000000000000000000000001000000:9BCB 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 32039 1 00000000d86712c5 100 0 0 10 0", false },
        { "   0: 0100007F:9ECB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 32037 1 0000000048c753ba 100 0 0 10 0", true },
        // Not hex, a 0x prefix, a sign, a five-digit port, a three-digit state.
        { "   0: 0100007G:9ECB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 32037", false },
        { "   0: 0x00007F:9ECB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 32037", false },
        { "   0: 0100007F:-ECB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 32037", false },
        { "   0: 0100007F:09ECB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 32037", false },
        { "   0: 0100007F:9ECB 00000000:0000 0A0 00000000:00000000 00:00000000 00000000     0        0 32037", false },
        { "   0: 0100007F 9ECB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 32037", false },
        // Slot without its colon, a non-numeric slot.
        { "   0 0100007F:9ECB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 32037", false },
        { "   x: 0100007F:9ECB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 32037", false },
        // Queues without a colon, a queue wider than 32 bits.
        { "   0: 0100007F:9ECB 00000000:0000 0A 0000000000000000 00:00000000 00000000     0        0 32037", false },
        { "   0: 0100007F:9ECB 00000000:0000 0A 100000000:00000000 00:00000000 00000000     0        0 32037", false },
        // Signed or overflowing uid and inode, Arabic-Indic digits, an embedded NUL.
        { "   0: 0100007F:9ECB 00000000:0000 0A 00000000:00000000 00:00000000 00000000    -1        0 32037", false },
        { "   0: 0100007F:9ECB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 +32037", false },
        { "   0: 0100007F:9ECB 00000000:0000 0A 00000000:00000000 00:00000000 00000000 4294967296        0 32037", false },
        { "   0: 0100007F:9ECB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 9223372036854775808", false },
        { "   0: 0100007F:9ECB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     \u0660        0 32037", false },
        { "   0: 0100007F:9ECB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 320\u000037", false },
    };

    [Theory]
    [MemberData(nameof(RejectedRows))]
    public void Rejects_headers_and_malformed_rows(string line, bool ipv6)
    {
        Assert.False(ProcNetParser.TryParseLine(line, ipv6, out var socket));
        Assert.Equal(default, socket);
    }

    [Theory]
    [InlineData(1, false, "ESTABLISHED")]
    [InlineData(2, false, "SYN_SENT")]
    [InlineData(3, false, "SYN_RECV")]
    [InlineData(4, false, "FIN_WAIT1")]
    [InlineData(5, false, "FIN_WAIT2")]
    [InlineData(6, false, "TIME_WAIT")]
    [InlineData(7, false, "CLOSE")]
    [InlineData(8, false, "CLOSE_WAIT")]
    [InlineData(9, false, "LAST_ACK")]
    [InlineData(10, false, "LISTEN")]
    [InlineData(11, false, "CLOSING")]
    [InlineData(12, false, "NEW_SYN_RECV")]
    [InlineData(7, true, "UNCONN")]
    [InlineData(1, true, "ESTABLISHED")]
    [InlineData(0xEE, false, "UNKNOWN")]
    public void Names_states_like_the_kernel(int state, bool udp, string expected) =>
        Assert.Equal(expected, ((TcpState)state).ToKernelName(udp));
}

/// <summary>The fields a captured row must parse to (a record because TheoryData stops at ten columns).</summary>
public sealed record ExpectedSocket(string LocalIp, int LocalPort, string RemoteIp, int RemotePort, int State, uint TxQueue,
    uint RxQueue, uint Uid, long Inode);
