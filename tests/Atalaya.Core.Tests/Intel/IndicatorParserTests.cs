using Atalaya.Core.Intel;

namespace Atalaya.Core.Tests.Intel;

public sealed class IndicatorParserTests
{
    [Theory]
    [InlineData("5E0B5AE8A1C3D2B4F6E7A8B9C0D1E2F3A4B5C6D7E8F9A0B1C2D3E4F5A6B7C8D9", IndicatorKind.Sha256, "5e0b5ae8a1c3d2b4f6e7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9")]
    [InlineData("  \"198.51.100.23\" ", IndicatorKind.Address, "198.51.100.23")]
    [InlineData("198.51.100.77:4444", IndicatorKind.Address, "198.51.100.77")]
    [InlineData("::ffff:203.0.113.5", IndicatorKind.Address, "203.0.113.5")]
    [InlineData("2001:DB8::DEAD", IndicatorKind.Address, "2001:db8::dead")]
    [InlineData("[2001:db8::1]:443", IndicatorKind.Address, "2001:db8::1")]
    [InlineData("198.51.100.77/24", IndicatorKind.Network, "198.51.100.0/24")]
    [InlineData("10.1.2.3/32", IndicatorKind.Address, "10.1.2.3")]
    [InlineData("0.0.0.0/0", IndicatorKind.Network, "0.0.0.0/0")]
    [InlineData("2001:db8:bad:1::/48", IndicatorKind.Network, "2001:db8:bad::/48")]
    [InlineData("Evil.Example.ORG.", IndicatorKind.Domain, "evil.example.org")]
    [InlineData("c2.evil-panel.example:8443", IndicatorKind.Domain, "c2.evil-panel.example")]
    [InlineData("_dmarc.example.com", IndicatorKind.Domain, "_dmarc.example.com")]
    [InlineData("http://203.0.113.200:8000/bins/arm7", IndicatorKind.Address, "203.0.113.200")]
    [InlineData("https://user:pw@Files.Example.net/a?b=c#d", IndicatorKind.Domain, "files.example.net")]
    public void Good_values_parse_to_their_canonical_form(string text, IndicatorKind kind, string value)
    {
        Assert.True(IndicatorParser.TryParseValue(text, out var indicator));
        Assert.Equal(kind, indicator.Kind);
        Assert.Equal(value, indicator.Value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\"\"")]
    [InlineData("1")]                  // IPAddress.TryParse says 0.0.0.1
    [InlineData("10.1")]               // IPAddress.TryParse says 10.0.0.1
    [InlineData("999.1.1.1")]
    [InlineData("1.2.3.4.5")]
    [InlineData("0x7f.0.0.1")]
    [InlineData("01234.1.1.1")]
    [InlineData("198.51.100.0/33")]
    [InlineData("198.51.100.0/-1")]
    [InlineData("198.51.100.0/")]
    [InlineData("2001:db8::/129")]
    [InlineData("fe80::1%eth0")]
    [InlineData("localhost")]
    [InlineData("evil..example")]
    [InlineData(".example.com")]
    [InlineData("ex ample.com")]
    [InlineData("exämple.com")]
    [InlineData("5e0b5ae8a1c3d2b4f6e7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d")] // 63 digits: not a hash, not a domain
    [InlineData("5e0b5ae8a1c3d2b4f6e7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8dz")]
    [InlineData("http://")]
    [InlineData("n/a")]
    [InlineData("\0\0\0")]
    public void Hostile_values_are_rejected(string text) =>
        Assert.False(IndicatorParser.TryParseValue(text, out _));

    [Fact]
    public void A_label_longer_than_63_or_a_name_longer_than_253_is_not_a_domain()
    {
        Assert.False(IndicatorParser.TryParseValue(new string('a', 64) + ".example", out _));
        Assert.False(IndicatorParser.TryParseValue(string.Join('.', Enumerable.Repeat("abcdefghi", 26)) + ".com", out _));
        Assert.False(IndicatorParser.TryParseValue(new string('1', 100_000), out _));
    }

    [Fact]
    public void Plain_lists_skip_comments_and_blanks_and_count_bad_lines()
    {
        var result = IndicatorParser.Parse("# header\n\n198.51.100.9  # c2\r\nevil.example.org\tsource=x\nnot-an-ioc\n   \n#2001:db8::1\n999.1.1.1\n");

        Assert.False(result.Csv);
        Assert.Equal(
            [new Indicator(IndicatorKind.Address, "198.51.100.9"), new Indicator(IndicatorKind.Domain, "evil.example.org")],
            result.Indicators);
        Assert.Equal(2, result.BadLines);
        Assert.Equal([5, 8], result.FirstBadLines);
    }

    [Fact]
    public void A_csv_with_a_plain_header_uses_the_named_column()
    {
        var result = IndicatorParser.Parse("id,domain,first_seen\n1,bad.example.com,2026-01-01\n2,\"quoted.example.net\",2026-01-02\n3,,2026-01-03\n");

        Assert.True(result.Csv);
        Assert.Equal(
            [new Indicator(IndicatorKind.Domain, "bad.example.com"), new Indicator(IndicatorKind.Domain, "quoted.example.net")],
            result.Indicators);
        Assert.Equal(1, result.BadLines);
        Assert.Equal([4], result.FirstBadLines);
    }

    [Fact]
    public void A_csv_without_a_header_uses_the_first_column()
    {
        var result = IndicatorParser.Parse("198.51.100.1,some botnet\n203.0.113.0/24,scanner range\n");

        Assert.Equal(
            [new Indicator(IndicatorKind.Address, "198.51.100.1"), new Indicator(IndicatorKind.Network, "203.0.113.0/24")],
            result.Indicators);
        Assert.Equal(0, result.BadLines);
    }

    [Fact]
    public void Hostile_csv_lines_are_counted_not_fatal()
    {
        var text = "\"unterminated,198.51.100.1\n\"\"\"\"\n,,,,\n\"a\"\"b\",x\n" + new string(',', 10_000) + "\n" + new string('"', 9_999) + "\n";

        var result = IndicatorParser.Parse(text);

        Assert.Empty(result.Indicators);
        Assert.Equal(6, result.BadLines);
        Assert.Equal([1, 2, 3, 4, 5], result.FirstBadLines);
    }

    [Theory]
    [InlineData(",", 0, "")]
    [InlineData(",", 1, "")]
    [InlineData("a,b,c", 2, "c")]
    [InlineData("\"a,b\",c", 0, "a,b")]
    [InlineData("\"a,b\",c", 1, "c")]
    [InlineData("\"x\", \"y\"", 1, "y")]
    public void Csv_fields_respect_quotes(string line, int index, string expected)
    {
        Assert.True(IndicatorParser.TryGetField(line, index, out var field));
        Assert.Equal(expected, field.ToString());
        Assert.False(IndicatorParser.TryGetField(line, index + 5, out _));
    }
}
