using Atalaya.Core.Intel;

namespace Atalaya.Core.Tests.Intel;

public sealed class IndicatorSetTests
{
    private static IndicatorSet Build(string list) =>
        IndicatorSet.Build(IndicatorParser.Parse(list).Indicators.Select(i => new IndicatorHit(i, "list.txt")));

    [Fact]
    public void Hashes_match_in_any_case()
    {
        var set = Build("2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70819\n");

        Assert.True(set.TryMatchHash("2A3B4C5D6E7F8091A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F70819", out var hit));
        Assert.Equal(new IndicatorHit(new Indicator(IndicatorKind.Sha256, "2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70819"), "list.txt"), hit);
        Assert.False(set.TryMatchHash("3a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70819", out _));
        Assert.False(set.TryMatchHash(null, out _));
        Assert.False(set.TryMatchHash("2a3b", out _));
        Assert.Equal(1, set.HashCount);
    }

    [Theory]
    [InlineData("198.51.100.9", true, "198.51.100.9")]
    [InlineData("::ffff:198.51.100.9", true, "198.51.100.9")]
    [InlineData("203.0.113.77", true, "203.0.113.0/24")]
    [InlineData("203.0.114.1", false, null)]
    [InlineData("10.200.3.4", true, "10.0.0.0/8")]
    [InlineData("2001:db8:bad:ffff::1", true, "2001:db8:bad::/48")]
    [InlineData("2001:db8:bae::1", false, null)]
    [InlineData("192.0.2.1", false, null)]
    [InlineData("not-an-ip", false, null)]
    [InlineData("", false, null)]
    public void Addresses_match_exactly_or_by_the_most_specific_network(string ip, bool matches, string? listed)
    {
        var set = Build("198.51.100.9\n203.0.113.0/24\n10.0.0.0/8\n10.200.0.0/16\n2001:db8:bad::/48\n");

        Assert.Equal(matches, set.TryMatchAddress(ip, out var hit));
        if (matches)
        {
            Assert.Equal(listed == "10.0.0.0/8" ? "10.200.0.0/16" : listed, hit.Indicator.Value);
        }

        Assert.Equal(5, set.NetworkCount);
    }

    [Theory]
    [InlineData("evil.example", true)]
    [InlineData("EVIL.example.", true)]
    [InlineData("a.b.evil.example", true)]
    [InlineData("notevil.example", false)]
    [InlineData("example", false)]
    [InlineData("evil.example.com", false)]
    public void Domains_cover_their_subdomains(string domain, bool matches)
    {
        var set = Build("evil.example\n");

        Assert.Equal(matches, set.TryMatchDomain(domain, out var hit));
        Assert.Equal(matches ? "evil.example" : null, hit.Indicator.Value);
    }

    [Fact]
    public void A_value_listed_twice_counts_once_and_names_the_first_source()
    {
        var indicator = new Indicator(IndicatorKind.Domain, "evil.example");
        var set = IndicatorSet.Build([new IndicatorHit(indicator, "a.txt"), new IndicatorHit(indicator, "b.txt")]);

        Assert.Equal(1, set.Count);
        Assert.True(set.TryMatchDomain("evil.example", out var hit));
        Assert.Equal("a.txt", hit.Source);
        Assert.Equal(0, IndicatorSet.Empty.Count);
    }
}
