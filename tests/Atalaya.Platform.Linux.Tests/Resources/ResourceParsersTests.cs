using Atalaya.Platform.Linux.Resources;

namespace Atalaya.Platform.Linux.Tests.Resources;

public sealed class ResourceParsersTests
{
    [Theory]
    // This machine's first /proc/stat line, and an old kernel without steal/guest columns.
    [InlineData("cpu  637786 0 93368 157597 4709 0 698 24513 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n", 637786ul, 0ul, 93368ul, 157597ul, 4709ul, 0ul, 698ul, 24513ul)]
    [InlineData("intr 5\ncpu  10 20 30 40\n", 10ul, 20ul, 30ul, 40ul, 0ul, 0ul, 0ul, 0ul)]
    public void Cpu_line(string text, ulong user, ulong nice, ulong system, ulong idle, ulong iowait, ulong irq, ulong softirq, ulong steal)
    {
        Assert.True(ResourceParsers.TryParseCpu(text, out var cpu));
        Assert.Equal(new CpuTimes(user, nice, system, idle, iowait, irq, softirq, steal), cpu);
        Assert.Equal(user + nice + system + idle + iowait + irq + softirq + steal, cpu.Total);
    }

    [Theory]
    [InlineData("cpu0 1 2 3 4\n")]
    [InlineData("cpu  1 2 x 4\n")]
    [InlineData("cpu  1 2\n")]
    [InlineData("")]
    public void Cpu_rejects_malformed(string text) => Assert.False(ResourceParsers.TryParseCpu(text, out _));

    [Fact]
    public void Meminfo_from_this_machine()
    {
        const string text = "MemTotal:       24684092 kB\nMemFree:        19307732 kB\nMemAvailable:   23463264 kB\nBuffers:           27044 kB\nSwapTotal:         1024 kB\nSwapFree:           512 kB\nHugePages_Total:       0\n";
        Assert.True(ResourceParsers.TryParseMeminfo(text, out var memory));
        Assert.Equal(new MemInfo(24684092L * 1024, 23463264L * 1024, 1024 * 1024, 512 * 1024), memory);
        Assert.False(ResourceParsers.TryParseMeminfo("MemFree: 5 kB\n", out _));
    }

    [Theory]
    [InlineData("25.42 28.66 26.82 11/379 10379\n", 25.42, 28.66, 26.82)]
    [InlineData("0.00 0.01 0.05 1/1 1", 0.0, 0.01, 0.05)]
    public void Loadavg(string text, double one, double five, double fifteen)
    {
        Assert.True(ResourceParsers.TryParseLoadavg(text, out var load));
        Assert.Equal(new LoadAverage(one, five, fifteen), load);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1.0 x 2.0")]
    [InlineData("-1 0 0")]
    public void Loadavg_rejects_malformed(string text) => Assert.False(ResourceParsers.TryParseLoadavg(text, out _));

    [Fact]
    public void Diskstats_counts_whole_disks_only()
    {
        const string text = "   7       0 loop0 10 0 80 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n 254       0 vda 9000 10 180000 500 4000 20 64000 900 0 1 2 0 0 0 0 0 0\n 254       1 vda1 8900 10 179000 500 3990 20 63900 900 0 1 2 0 0 0 0 0 0\n bad line\n";
        Assert.True(ResourceParsers.TryParseDiskstats(text, new HashSet<string> { "vda" }, out var read, out var written, out var malformed));
        Assert.Equal((180000ul, 64000ul, 1), (read, written, malformed));
        Assert.False(ResourceParsers.TryParseDiskstats(text, new HashSet<string> { "sdz" }, out _, out _, out _));
    }
}
