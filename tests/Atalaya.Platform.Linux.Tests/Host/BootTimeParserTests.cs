using Atalaya.Platform.Linux.Host;

namespace Atalaya.Platform.Linux.Tests.Host;

public sealed class BootTimeParserTests
{
    // Captured /proc/stat of this machine, the long intr line shortened.
    private const string Captured = "cpu  13915 0 4723 67179 4460 0 56 4716 0 0\ncpu0 6465 0 2048 36176 443 0 14 2424 0 0\ncpu1 7450 0 2674 31002 4017 0 42 2292 0 0\nintr 250547 0 0 0 0\nctxt 587320\nbtime 1795303124\nprocesses 4650\nprocs_running 3\nprocs_blocked 0\nsoftirq 147070 0 19774 3 2071 42972 0 3 38909 0 43338\n";

    [Theory]
    [InlineData(Captured, 1795303124L)]
    [InlineData("btime 1\n", 1L)]
    [InlineData("btime 1700000000", 1700000000L)]
    public void Finds_btime(string text, long expected)
    {
        Assert.True(BootTimeParser.TryParse(text, out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("cpu 1 2 3\nctxt 5\n")]
    [InlineData("btime abc\n")]
    [InlineData("btime -5\n")]
    [InlineData("xbtime 5\n")]
    public void Rejects_missing_or_malformed(string text)
    {
        Assert.False(BootTimeParser.TryParse(text, out _));
    }
}
