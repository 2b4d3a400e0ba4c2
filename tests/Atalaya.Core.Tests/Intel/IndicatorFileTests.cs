using Atalaya.Core.Intel;

namespace Atalaya.Core.Tests.Intel;

/// <summary>Whole files laid out exactly like the abuse.ch exports (comment banner, commented header, ", " separators).</summary>
public sealed class IndicatorFileTests
{
    private static IndicatorFileResult ParseFixture(string name) =>
        IndicatorParser.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Intel", "Fixtures", name)));

    [Fact]
    public void MalwareBazaar_export_yields_the_sha256_column()
    {
        var result = ParseFixture("malwarebazaar-recent.csv");

        Assert.True(result.Csv);
        Assert.Equal(
            [
                new Indicator(IndicatorKind.Sha256, "5e0b5ae8a1c3d2b4f6e7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9"),
                new Indicator(IndicatorKind.Sha256, "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"),
            ],
            result.Indicators);
        Assert.Equal(1, result.BadLines);
        Assert.Equal([12], result.FirstBadLines);
    }

    [Fact]
    public void Feodo_blocklist_yields_the_dst_ip_column()
    {
        var result = ParseFixture("feodo-ipblocklist.csv");

        Assert.Equal(
            [new Indicator(IndicatorKind.Address, "198.51.100.23"), new Indicator(IndicatorKind.Address, "203.0.113.7")],
            result.Indicators);
        Assert.Equal(0, result.BadLines);
    }

    [Fact]
    public void ThreatFox_export_yields_ioc_value_whatever_its_type()
    {
        var result = ParseFixture("threatfox-recent.csv");

        Assert.Equal(
            [
                new Indicator(IndicatorKind.Domain, "c2.evil-panel.example"),
                new Indicator(IndicatorKind.Address, "198.51.100.77"),
                new Indicator(IndicatorKind.Address, "203.0.113.200"),
                new Indicator(IndicatorKind.Sha256, "2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70819"),
            ],
            result.Indicators);
        Assert.Equal(0, result.BadLines);
    }

    [Fact]
    public void Plain_list_yields_every_kind_and_counts_the_junk()
    {
        var result = ParseFixture("plain-list.txt");

        Assert.False(result.Csv);
        Assert.Equal(
            [
                new Indicator(IndicatorKind.Sha256, "2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70819"),
                new Indicator(IndicatorKind.Address, "198.51.100.9"),
                new Indicator(IndicatorKind.Network, "198.51.100.0/24"),
                new Indicator(IndicatorKind.Network, "2001:db8:bad::/48"),
                new Indicator(IndicatorKind.Address, "2001:db8::dead"),
                new Indicator(IndicatorKind.Domain, "evil.example.org"),
                new Indicator(IndicatorKind.Domain, "mining-pool.example.net"),
            ],
            result.Indicators);
        Assert.Equal(2, result.BadLines);
        Assert.Equal([9, 10], result.FirstBadLines);
    }
}
