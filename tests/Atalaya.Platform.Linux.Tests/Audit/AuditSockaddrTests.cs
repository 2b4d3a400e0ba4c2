using Atalaya.Platform.Linux.Audit;

namespace Atalaya.Platform.Linux.Tests.Audit;

public sealed class AuditSockaddrTests
{
    [Theory]
    [InlineData("02009AFD7F0000010000000000000000", 2, "127.0.0.1", 39677, null)]
    [InlineData("020000017F0000010000000000000000", 2, "127.0.0.1", 1, null)]
    [InlineData("0A00C837000000000000000000000000000000000000000100000000", 10, "::1", 51255, null)]
    [InlineData("0A000050000000002001067C04E8F00400000000000000010000000000", 10, "2001:67c:4e8:f004::1", 80, null)]
    [InlineData("01002F72756E2F73797374656D642F6A6F75726E616C2F736F636B657400", 1, null, 0, "/run/systemd/journal/socket")]
    [InlineData("0100006162737472616374", 1, null, 0, "@abstract")]
    [InlineData("10000000000000000000000000", 16, null, 0, null)]
    public void Socket_addresses_decode(string hex, int family, string? ip, int port, string? path)
    {
        Assert.True(AuditValue.TryDecodeHex(hex, out var bytes));
        Assert.True(AuditSockaddr.TryParse(bytes, out var value));
        Assert.Equal(family, value.Family);
        Assert.Equal(ip, value.Address?.ToString());
        Assert.Equal(port, value.Port);
        Assert.Equal(path, value.UnixPath);
    }

    [Theory]
    [InlineData("02")]
    [InlineData("0200000A7F00")]
    [InlineData("0A000050000000002001")]
    public void Truncated_addresses_are_refused(string hex)
    {
        Assert.True(AuditValue.TryDecodeHex(hex.Length % 2 == 0 ? hex : hex + "0", out var bytes));
        Assert.False(AuditSockaddr.TryParse(bytes, out _));
    }
}
