using Atalaya.Core.Analytics;
using Atalaya.Core.Schema;

namespace Atalaya.Core.Tests.Analytics;

public sealed class LookalikeMasqueradeTests
{
    private static List<Signal> Observe(EcsEvent value, IAnalytic? analytic = null)
    {
        var sink = new ListSink();
        (analytic ?? new MasqueradeAnalytic(TestCatalog.Get())).Observe(value, sink);
        return sink.Signals;
    }

    [Theory]
    [InlineData("sshd", "sshd", 0)]
    [InlineData("sshd", "shsd", 1)] // neighbours swapped
    [InlineData("sshd", "ssh1d", 1)]
    [InlineData("systemd", "systemd-x", 2)]
    [InlineData("rsyslogd", "rsyslgd", 1)]
    [InlineData("kitten", "sitting", 3)] // over the limit of 2: reported as limit + 1
    [InlineData("", "abc", 3)]
    [InlineData("ab", "", 2)]
    public void Distance_is_the_bounded_optimal_string_alignment(string a, string b, int expected) =>
        Assert.Equal(expected, LookalikeNames.Distance(a, b, 2));

    [Fact]
    public void Distance_stops_at_the_limit_and_refuses_long_names()
    {
        Assert.Equal(2, LookalikeNames.Distance("abcdef", "uvwxyz", 1));
        Assert.Equal(3, LookalikeNames.Distance(new string('a', 65), new string('a', 65), 2));
    }

    [Theory]
    [InlineData("/tmp/.x/shsd", "sshd")]
    [InlineData("/dev/shm/sshd1", "sshd")]
    [InlineData("/var/tmp/systemd-jornald", "systemd-journald")]
    [InlineData("/home/ana/.local/kworker/rsyslog", "rsyslogd")]
    [InlineData("/tmp/\u0455shd", "sshd")] // Cyrillic dze for s
    [InlineData("/tmp/cr\u03BFn", "cron")] // Greek omicron
    [InlineData("/tmp/l5", "ls")] // digit 5 for s: a homoglyph, so shorter than 4 still counts
    [InlineData("/usr/local/bin/dockrd", "dockerd")]
    public void A_look_alike_of_a_system_name_is_masquerading(string executable, string imitated)
    {
        var signal = Assert.Single(Observe(SampleEvents.Process(executable)));
        Assert.Equal("atalaya.analytic.masquerade.lookalike", signal.SourceId);
        Assert.Equal(["T1036.005"], signal.Techniques);
        Assert.Contains($"looks like the system program {imitated} ", signal.Detail, StringComparison.Ordinal);
        Assert.Contains(executable, signal.Detail, StringComparison.Ordinal);
        Assert.Equal(52.5, signal.Contribution, 3);
    }

    [Theory]
    [InlineData("/usr/bin/ssh")] // three characters: not compared
    [InlineData("/usr/bin/lsof")] // within 2 of ls, but ls is too short to compare by distance
    [InlineData("/usr/bin/gpasswd")] // real sibling, listed in lookalike_exempt
    [InlineData("/usr/bin/rbash")]
    [InlineData("/usr/bin/docker")]
    [InlineData("/home/ana/bin/nstat")]
    [InlineData("/usr/bin/dash")] // a catalog name at a catalog path
    [InlineData("/opt/app/worker")]
    [InlineData("/usr/bin/python3.11")]
    [InlineData("/tmp/build/sshd-keygen-wrapper-long")]
    public void Real_neighbours_and_unrelated_names_are_quiet(string executable) =>
        Assert.Empty(Observe(SampleEvents.Process(executable)));

    [Fact]
    public void A_packaged_executable_is_not_a_look_alike()
    {
        var packaged = SampleEvents.Process("/usr/bin/sshfs2") with
        {
            Atalaya = new AtalayaFields { Process = new AtalayaProcessFields { Package = "sshfs" } },
        };
        Assert.Empty(Observe(packaged));
        Assert.Single(Observe(SampleEvents.Process("/usr/bin/sshd2")));
    }

    [Fact]
    public void The_verdict_for_a_name_is_cached_and_repeats_per_process()
    {
        var analytic = new MasqueradeAnalytic(TestCatalog.Get());
        Assert.Single(Observe(SampleEvents.Process("/tmp/shsd", pid: 10), analytic));
        Assert.Single(Observe(SampleEvents.Process("/tmp/shsd", pid: 11), analytic));
        Assert.Empty(Observe(SampleEvents.Process("/tmp/worker", pid: 12), analytic));
    }

    private static EcsEvent Child(string parentExecutable, string childExecutable, int parentPid = 100)
    {
        var value = SampleEvents.Process(childExecutable);
        return value with
        {
            Process = value.Process! with
            {
                Parent = new ProcessFields { Pid = parentPid, EntityId = "p", Executable = parentExecutable, Name = parentExecutable[(parentExecutable.LastIndexOf('/') + 1)..] },
            },
        };
    }

    [Theory]
    [InlineData("/usr/sbin/cron", "/usr/sbin/sshd", "T1036.005")]
    [InlineData("/usr/sbin/cron", "/tmp/sshd", "T1036.005")]
    [InlineData("/usr/sbin/sshd", "/usr/sbin/cron", "T1036.005")]
    [InlineData("/usr/lib/systemd/systemd-journald", "/usr/bin/sh", "T1055")]
    [InlineData("/usr/sbin/chronyd", "/tmp/x", "T1055")]
    public void Impossible_parent_child_pairs_are_flagged(string parent, string child, string technique)
    {
        var analytic = new ImpossibleLineageAnalytic(TestCatalog.Get());
        var signal = Assert.Single(Observe(Child(parent, child), analytic));
        Assert.Equal("atalaya.analytic.impossible-lineage.pair", signal.SourceId);
        Assert.Equal([technique], signal.Techniques);
        Assert.Contains("(pid 100) started " + child, signal.Detail, StringComparison.Ordinal);
        Assert.Empty(Observe(Child(parent, child), analytic)); // the same process is not counted twice
    }

    [Theory]
    [InlineData("/usr/sbin/sshd", "/usr/sbin/sshd")] // privilege separation re-exec
    [InlineData("/usr/sbin/sshd", "/usr/bin/bash")] // login shell
    [InlineData("/usr/sbin/sshd", "/usr/lib/openssh/sftp-server")]
    [InlineData("/usr/sbin/cron", "/usr/bin/sh")] // a job
    [InlineData("/usr/sbin/cron", "/usr/sbin/cron")] // cron's per-job fork
    [InlineData("/usr/sbin/chronyd", "/usr/sbin/chronyd")] // daemonising
    [InlineData("/usr/lib/systemd/systemd", "/usr/sbin/sshd")]
    [InlineData("/usr/bin/bash", "/usr/sbin/sshd")] // an admin running sshd -d by hand
    [InlineData("/usr/sbin/nginx", "/usr/bin/sh")] // ServiceShellAnalytic's, not repeated here
    public void Legitimate_pairs_are_quiet(string parent, string child) =>
        Assert.Empty(Observe(Child(parent, child), new ImpossibleLineageAnalytic(TestCatalog.Get())));

    [Theory]
    [InlineData("impossible_lineage: x\nbinaries: []\n", "must be a list")]
    [InlineData("impossible_lineage:\n  - parents: [a]\n    children: [b]\n", "needs parents, children and why")]
    [InlineData("impossible_lineage:\n  - just text\n", "must be a mapping")]
    public void Malformed_lineage_entries_are_rejected_with_the_line(string yaml, string expected)
    {
        var error = Assert.Throws<CatalogException>(() => SystemBinaryCatalog.Parse(yaml));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains("line", error.Message, StringComparison.Ordinal);
    }
}
