using Atalaya.Platform.Linux.Processes;

namespace Atalaya.Platform.Linux.Tests.Processes;

public sealed class ProcStatParserTests
{
    // Rows captured from this machine's /proc (Debian 12, kernel 6.18); hostile names were produced by
    // running a copy of /usr/bin/sleep under that file name.
    [Theory]
    [InlineData(
        "4643 (cat) R 4641 4641 3454 0 -1 4194304 101 0 0 0 0 0 0 0 20 0 1 0 46653 3133440 383 18446744073709551615 93936867889152 93936867909033 140732138413200 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 93936867925040 93936867926656 93937673588736 140732138420707 140732138420727 140732138420727 140732138422251 0\n",
        4643, "cat", 'R', 4641, 4641, 3454, 0, 4194304u, 0ul, 0ul, 1L, 46653ul, 3133440ul, 383L, false)]
    [InlineData(
        "1 (process_api) S 0 0 0 0 -1 4194560 31189 458597 0 147 52 389 3292 1622 20 0 15 0 30 47292416 3063 18446744073709551615 1 1 0 0 0 0 0 4096 1256 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
        1, "process_api", 'S', 0, 0, 0, 0, 4194560u, 52ul, 389ul, 15L, 30ul, 47292416ul, 3063L, false)]
    [InlineData(
        "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 30 0 0 18446744073709551615 0 0 0 0 0 0 0 2147483647 0 1 0 0 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
        2, "kthreadd", 'S', 0, 0, 0, 0, 2129984u, 0ul, 0ul, 1L, 30ul, 0ul, 0L, true)]
    [InlineData(
        "4847 (a)( ) b (() () S 4846 4841 3454 0 -1 4194304 128 0 0 0 0 0 0 0 20 0 1 0 52579 2990080 415 18446744073709551615 94121144168448 94121144186377 140735466516144 0 0 0 0 6 0 1 0 0 17 0 0 0 0 0 0 94121144200464 94121144201728 94121930240000 140735466523097 140735466523116 140735466523116 140735466524647 0\n",
        4847, "a)( ) b (() (", 'S', 4846, 4841, 3454, 0, 4194304u, 0ul, 0ul, 1L, 52579ul, 2990080ul, 415L, false)]
    [InlineData(
        "4849 (x\ny) (z) S 1 4841 3454 34816 -1 4194304 124 0 0 0 7 3 0 0 20 0 1 0 52580 2990080 410 18446744073709551615 1 1 0 0 0 0 0 6 0 1 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0",
        4849, "x\ny) (z", 'S', 1, 4841, 3454, 34816, 4194304u, 7ul, 3ul, 1L, 52580ul, 2990080ul, 410L, false)]
    [InlineData(
        "77 ( ) Z 5 77 77 0 -1 4227084 0 0 0 0 0 0 0 0 -2 -10 1 0 18446744073709551615 0 0",
        77, " ", 'Z', 5, 77, 77, 0, 4227084u, 0ul, 0ul, 1L, 18446744073709551615ul, 0ul, 0L, false)]
    public void Parses_real_and_hostile_lines(string line, int pid, string comm, char state, int ppid, int pgrp, int session,
        int ttyNr, uint flags, ulong utime, ulong stime, long numThreads, ulong startTime, ulong vsize, long rss, bool kernelThread)
    {
        Assert.True(ProcStatParser.TryParse(line, out var stat));
        Assert.Equal(pid, stat.Pid);
        Assert.Equal(comm, stat.Comm);
        Assert.Equal(state, stat.State);
        Assert.Equal(ppid, stat.Ppid);
        Assert.Equal(pgrp, stat.Pgrp);
        Assert.Equal(session, stat.Session);
        Assert.Equal(ttyNr, stat.TtyNr);
        Assert.Equal(flags, stat.Flags);
        Assert.Equal(utime, stat.Utime);
        Assert.Equal(stime, stat.Stime);
        Assert.Equal(numThreads, stat.NumThreads);
        Assert.Equal(startTime, stat.StartTime);
        Assert.Equal(vsize, stat.Vsize);
        Assert.Equal(rss, stat.Rss);
        Assert.Equal(kernelThread, stat.IsKernelThread);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n")]
    [InlineData("4643 (cat")]
    [InlineData("4643 cat) R 4641")]
    [InlineData("(cat) R 4641 4641 3454 0 -1 4194304 101 0 0 0 0 0 0 0 20 0 1 0 46653 3133440 383")]
    [InlineData("x43 (cat) R 4641 4641 3454 0 -1 4194304 101 0 0 0 0 0 0 0 20 0 1 0 46653 3133440 383")]
    [InlineData("-1 (cat) R 4641 4641 3454 0 -1 4194304 101 0 0 0 0 0 0 0 20 0 1 0 46653 3133440 383")]
    [InlineData("4643 (cat) R 4641 4641 3454 0 -1 4194304 101 0 0 0 0 0 0 0 20 0 1 0 46653 3133440")]
    [InlineData("4643 (cat) R 4641 4641 3454 0 -1 4194304 101 0 0 0 0 0 0 0 20 0 1 0 46653 3133")]
    [InlineData("4643 (cat) RR 4641 4641 3454 0 -1 4194304 101 0 0 0 0 0 0 0 20 0 1 0 46653 3133440 383")]
    [InlineData("4643 (cat) R abc 4641 3454 0 -1 4194304 101 0 0 0 0 0 0 0 20 0 1 0 46653 3133440 383")]
    [InlineData("4643 (cat) R 4641 4641 3454 0 -1 4194304 101 0 0 0 0 0 0 0 20 0 1 0 -5 3133440 383")]
    [InlineData("4643 (cat) R 4641 4641 3454 0 -1 4194304 101 0 0 0 0 0 0 0 20 0 1 0 99999999999999999999 3133440 383")]
    [InlineData("4643 (cat) R 4641 4641 3454 0 -1 4194304 101 0 0 0 0 0 0 0 20 0 1 0 4.5e3 3133440 383")]
    public void Rejects_malformed_or_truncated_lines(string line)
    {
        Assert.False(ProcStatParser.TryParse(line, out var stat));
        Assert.Equal(default, stat);
    }

    [Fact]
    public void Parses_the_live_stat_of_this_process()
    {
        var text = File.ReadAllText("/proc/self/stat");
        Assert.True(ProcStatParser.TryParse(text, out var stat));
        Assert.Equal(Environment.ProcessId, stat.Pid);
        Assert.True(stat.StartTime > 0);
        Assert.False(stat.IsKernelThread);
    }
}
