using Atalaya.Platform.Linux.Processes;

namespace Atalaya.Platform.Linux.Tests.Processes;

public sealed class ProcStatusParserTests
{
    // /proc/1/status on this machine (pid 1 is the VM's init, not systemd), trimmed of nothing.
    private const string Pid1 = "Name:\tprocess_api\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t1\nNgid:\t0\nPid:\t1\nPPid:\t0\nTracerPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t512\nGroups:\t \nNStgid:\t1\nNSpid:\t1\nNSpgid:\t0\nNSsid:\t0\nKthread:\t0\nVmPeak:\t   50004 kB\nVmSize:\t   46184 kB\nVmLck:\t   46152 kB\nVmPin:\t       0 kB\nVmHWM:\t   17608 kB\nVmRSS:\t   12604 kB\nRssAnon:\t    6192 kB\nRssFile:\t       8 kB\nRssShmem:\t    6404 kB\nVmData:\t   38660 kB\nVmStk:\t     132 kB\nVmExe:\t    5308 kB\nVmLib:\t       8 kB\nVmPTE:\t     128 kB\nVmSwap:\t       0 kB\nHugetlbPages:\t       0 kB\nCoreDumping:\t0\nTHP_enabled:\t1\nuntag_mask:\t0xffffffffffffffff\nThreads:\t15\nSigQ:\t0/96365\nSigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\nSigBlk:\t0000000000000000\nSigIgn:\t0000000000001000\nSigCgt:\t00000000000004e8\nCapInh:\t0000000000000000\nCapPrm:\t000001ffffffffff\nCapEff:\t000001ffffffffff\nCapBnd:\t000001fffeffffff\nCapAmb:\t0000000000000000\nNoNewPrivs:\t0\nSeccomp:\t0\nSeccomp_filters:\t0\nSpeculation_Store_Bypass:\tvulnerable\nSpeculationIndirectBranch:\talways enabled\nCpus_allowed:\t3\nCpus_allowed_list:\t0-1\nMems_allowed:\t00000000,00000001\nMems_allowed_list:\t0\nvoluntary_ctxt_switches:\t346\nnonvoluntary_ctxt_switches:\t58\n";

    // /proc/2/status (kthreadd).
    private const string Kthreadd = "Name:\tkthreadd\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t2\nNgid:\t0\nPid:\t2\nPPid:\t0\nTracerPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t64\nGroups:\t \nNStgid:\t2\nNSpid:\t2\nNSpgid:\t0\nNSsid:\t0\nKthread:\t1\nThreads:\t1\nSigQ:\t0/96365\nCapInh:\t0000000000000000\nCapPrm:\t000001ffffffffff\nCapEff:\t000001ffffffffff\nCapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\n";

    // An unprivileged process in a nested pid namespace, being traced, with a name holding a newline
    // (the kernel escapes it as \n) and a backslash.
    private const string Hostile = "Name:\tx\\ny) (z\\\\\nUmask:\t0077\nState:\tt (tracing stop)\nTgid:\t4849\nNgid:\t0\nPid:\t4849\nPPid:\t4841\nTracerPid:\t4900\nUid:\t1000\t1001\t1002\t1003\nGid:\t100\t101\t102\t103\nNSpid:\t4849\t12\t1\nThreads:\t3\nCapEff:\t0000000000000000\n";

    // Linux 3.x had no Umask, no Kthread, no NSpid.
    private const string OldKernel = "Name:\tbash\nState:\tS (sleeping)\nTgid:\t900\nPid:\t900\nPPid:\t1\nTracerPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nThreads:\t1\nCapEff:\t0000001fffffffff\n";

    private static ProcStatus Expected(string name, uint? umask, char state, int tgid, int pid, int ppid, int tracerPid,
        ProcIds uid, ProcIds gid, long threads, ulong capEff, int[] nspid, bool? kthread) => new()
    {
        Name = name, Umask = umask, State = state, Tgid = tgid, Pid = pid, PPid = ppid, TracerPid = tracerPid,
        Uid = uid, Gid = gid, Threads = threads, CapEff = capEff, NSpid = nspid, Kthread = kthread,
    };

    public static TheoryData<string, string> Rows => new()
    {
        { "pid1", Pid1 },
        { "kthreadd", Kthreadd },
        { "hostile", Hostile },
        { "old-kernel", OldKernel },
    };

    private static readonly Dictionary<string, ProcStatus> ExpectedByRow = new()
    {
        ["pid1"] = Expected("process_api", 18u, 'S', 1, 1, 0, 0, new(0, 0, 0, 0), new(0, 0, 0, 0), 15, 0x1ffffffffff, [1], false),
        ["kthreadd"] = Expected("kthreadd", 18u, 'S', 2, 2, 0, 0, new(0, 0, 0, 0), new(0, 0, 0, 0), 1, 0x1ffffffffff, [2], true),
        ["hostile"] = Expected("x\ny) (z\\", 63u, 't', 4849, 4849, 4841, 4900, new(1000, 1001, 1002, 1003), new(100, 101, 102, 103), 3, 0, [4849, 12, 1], null),
        ["old-kernel"] = Expected("bash", null, 'S', 900, 900, 1, 0, new(0, 0, 0, 0), new(0, 0, 0, 0), 1, 0x1fffffffff, [], null),
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void Parses_every_field(string row, string text)
    {
        var expected = ExpectedByRow[row];
        Assert.True(ProcStatusParser.TryParse(text, out var status));
        Assert.Equal(expected.Name, status.Name);
        Assert.Equal(expected.Umask, status.Umask);
        Assert.Equal(expected.State, status.State);
        Assert.Equal(expected.Tgid, status.Tgid);
        Assert.Equal(expected.Pid, status.Pid);
        Assert.Equal(expected.PPid, status.PPid);
        Assert.Equal(expected.TracerPid, status.TracerPid);
        Assert.Equal(expected.Uid, status.Uid);
        Assert.Equal(expected.Gid, status.Gid);
        Assert.Equal(expected.Threads, status.Threads);
        Assert.Equal(expected.CapEff, status.CapEff);
        Assert.Equal(expected.NSpid, status.NSpid);
        Assert.Equal(expected.Kthread, status.Kthread);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Name:\tbash\n")]
    [InlineData("Name:\tbash\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t9\nPid:\t9\nPPid:\t1\nTracerPid:\t0\nUid:\t0\t0")]
    [InlineData("Name:\tbash\nPid:\tnine\nPPid:\t1\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n")]
    [InlineData("Name:\tbash\nPid:\t9\nPPid:\t1\nUid:\t0\t0\t0\t-1\nGid:\t0\t0\t0\t0\n")]
    [InlineData("Name:\tbash\nUmask:\t0089\nPid:\t9\nPPid:\t1\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n")]
    [InlineData("Name:\tbash\nPid:\t9\nPPid:\t1\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nCapEff:\tzz\n")]
    [InlineData("\0\0\0\0")]
    public void Rejects_truncated_or_malformed(string text)
    {
        Assert.False(ProcStatusParser.TryParse(text, out _));
    }

    [Fact]
    public void Ignores_unknown_and_garbage_lines()
    {
        var text = "garbage without colon\nName:\tbash\nFuture_field:\twhatever 1 2 3\nPid:\t9\nPPid:\t1\nUid:\t0\t0\t0\t0\nGid:\t5\t5\t5\t5\n:\n";
        Assert.True(ProcStatusParser.TryParse(text, out var status));
        Assert.Equal("bash", status.Name);
        Assert.Equal(9, status.Pid);
        Assert.Equal(new ProcIds(5, 5, 5, 5), status.Gid);
    }
}
