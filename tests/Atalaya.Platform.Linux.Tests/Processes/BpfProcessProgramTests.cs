using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Atalaya.Platform.Linux.Processes;
using Atalaya.TestKit;

namespace Atalaya.Platform.Linux.Tests.Processes;

/// <summary>
/// The kernel process program on the real kernel: what it reports for real processes equals what /proc
/// says of them. Skipped where it cannot run (not root, no BTF, a build without clang); where it can,
/// a refusal is a failure, not a skip.
/// </summary>
public sealed class BpfProcessProgramTests
{
    internal static string? SkipReason()
    {
        if (!BpfProcessProgram.IsEmbedded)
        {
            return "this build has no eBPF program (clang or libbpf-dev missing at build time)";
        }

        if (Environment.UserName != "root")
        {
            return "loading BPF programs needs root";
        }

        return File.Exists("/sys/kernel/btf/vmlinux") ? null : "the kernel has no BTF (/sys/kernel/btf/vmlinux): CO-RE cannot relocate";
    }

    internal static BpfProcessProgram Load()
    {
        var skip = SkipReason();
        Skip.If(skip is not null, skip);
        var program = BpfProcessProgram.TryLoad(out var why);
        Assert.True(program is not null, $"the kernel refused the program: {why}");
        return program;
    }

    /// <summary>Consumes records until <paramref name="done"/> holds or 200 rounds of 50 ms pass.</summary>
    private static List<BpfProcessRecord> Collect(BpfProcessProgram program, Func<List<BpfProcessRecord>, bool> done)
    {
        var records = new List<BpfProcessRecord>();
        for (var round = 0; round < 200 && !done(records); round++)
        {
            // The program never wakes a reader (the agent's doorbell is the connector): look every 50 ms.
            Thread.Sleep(50);
            program.Consume(records.Add);
        }

        return records;
    }

    [SkippableFact]
    public void An_exec_reports_what_proc_says_of_the_process()
    {
        using var program = Load();
        // The shell stays (its sleep is not its last command, so it forks rather than execs it).
        using var sleeper = SpawnedProcess.Start("/bin/sh", ["-c", "sleep 10; :", "line\nbreak", "ümlaut"]);
        var records = Collect(program, r => r.Any(x => x.Kind == BpfRecordKind.Exec && x.Pid == sleeper.Pid));
        var exec = records.Single(x => x.Kind == BpfRecordKind.Exec && x.Pid == sleeper.Pid);

        var stat = File.ReadAllText($"/proc/{sleeper.Pid}/stat");
        Assert.True(ProcStatParser.TryParse(stat, out var parsed));
        var status = File.ReadAllText($"/proc/{sleeper.Pid}/status");
        Assert.True(ProcStatusParser.TryParse(status, out var statusParsed));
        var ticksPerSecond = (ulong)Interop.GetClockTicksPerSecond();

        Assert.Equal(parsed.Ppid, exec.Ppid);
        Assert.Equal(parsed.StartTime, exec.StartBoottimeNs / (1_000_000_000UL / ticksPerSecond));
        var kernel = exec.Exec!;
        Assert.Equal(["/bin/sh", "-c", "sleep 10; :", "line\nbreak", "ümlaut"], kernel.Args);
        Assert.True(kernel.ArgsComplete);
        Assert.Equal("sh", kernel.Comm);
        Assert.Equal("/bin/sh", kernel.Filename);
        Assert.True(Interop.TryStatx($"/proc/{sleeper.Pid}/exe", out var image));
        Assert.True(kernel.IsExecutable(image), "the record's inode and device are not the executable's");
        Assert.Equal(Atalaya.Platform.Linux.Hashing.FileIdentity.From(image), kernel.ExecutableIdentity);
        // The paths walked in the kernel are the links /proc gives.
        Assert.Equal(Interop.ReadLink($"/proc/{sleeper.Pid}/exe", out _), kernel.ExecutablePath);
        Assert.False(kernel.ExecutableDeleted);
        Assert.Equal(Interop.ReadLink($"/proc/{sleeper.Pid}/cwd", out _), kernel.WorkingDirectory);
        // The fd count as /proc/[pid]/fd's size says it (the shell has opened nothing since its exec), and stdin as its link says.
        Assert.True(Interop.TryStatx($"/proc/{sleeper.Pid}/fd", out var fdDirectory));
        Assert.Equal((int)fdDirectory.stx_size, kernel.FdCount);
        Assert.True(kernel.StdinKnown);
        Assert.Equal(FdLinkClassifier.Classify(Interop.ReadLink($"/proc/{sleeper.Pid}/fd/0", out _)!), kernel.Stdin);
        Assert.Equal(parsed.Session, kernel.Session);
        Assert.Equal(parsed.TtyNr, kernel.TtyNr);
        Assert.Equal(statusParsed!.Uid.Real, kernel.Uid);
        Assert.Equal(statusParsed.Uid.Effective, kernel.EffectiveUid);
        Assert.Equal(statusParsed.Gid.Real, kernel.Gid);
        Assert.Equal(statusParsed.Gid.Effective, kernel.EffectiveGid);
        Assert.Equal(statusParsed.CapEff, kernel.CapEffective);
        Assert.Equal(statusParsed.TracerPid, kernel.TracerPid);
        Assert.Equal(uint.Parse(File.ReadAllText($"/proc/{sleeper.Pid}/loginuid"), CultureInfo.InvariantCulture), kernel.LoginUid);
        for (var i = 0; i < ProcessReader.NamespaceTypes.Length; i++)
        {
            // The link reads "net:[4026531840]"; some sandboxes refuse the read, and then there is nothing to compare.
            var type = ProcessReader.NamespaceTypes[i];
            if (Interop.ReadLink($"/proc/{sleeper.Pid}/ns/{type}", out _) is { } link)
            {
                Assert.Equal($"{type}:[{kernel.Namespaces[i]}]", link);
            }
        }

        // The cgroup id is the inode of the process's cgroup v2 directory.
        var cgroup = File.ReadAllLines($"/proc/{sleeper.Pid}/cgroup").FirstOrDefault(l => l.StartsWith("0::", StringComparison.Ordinal));
        if (cgroup is not null && Directory.Exists("/sys/fs/cgroup" + cgroup[3..]))
        {
            Assert.True(Interop.TryStatx("/sys/fs/cgroup" + cgroup[3..], out var directory));
            Assert.Equal(directory.stx_ino, kernel.CgroupId);
        }

        Assert.Equal(0, program.Malformed);
    }

    [SkippableFact]
    public void A_fork_without_exec_and_the_exit_of_a_process_are_reported_once_each()
    {
        using var program = Load();
        // The shell forks a subshell that never execs, which exits 7; the shell then exits 3. A
        // multi-threaded process (a thread that ends first) must give one exit, not one per thread.
        using var shell = SpawnedProcess.Start("/bin/sh", ["-c", "( exit 7 ); exit 3"]);
        Assert.True(shell.WaitForExit(TimeSpan.FromSeconds(30)));
        var records = Collect(program, r => r.Any(x => x.Kind == BpfRecordKind.Exit && x.Pid == shell.Pid));

        var forks = records.Where(x => x.Kind == BpfRecordKind.Fork && x.Ppid == shell.Pid).ToList();
        var subshell = Assert.Single(forks);
        Assert.NotEqual(0UL, subshell.StartBoottimeNs);
        var subshellExit = Assert.Single(records, x => x.Kind == BpfRecordKind.Exit && x.Pid == subshell.Pid);
        Assert.Equal(7u << 8, subshellExit.ExitCode);
        var exit = Assert.Single(records, x => x.Kind == BpfRecordKind.Exit && x.Pid == shell.Pid);
        Assert.Equal(3u << 8, exit.ExitCode);
        Assert.Equal(0UL, program.ReadLost());
    }

    [SkippableFact]
    public void A_process_whose_threads_end_before_it_gives_one_exit_and_no_fork_per_thread()
    {
        Skip.IfNot(File.Exists("/usr/bin/python3"), "no python3 here");
        using var program = Load();
        using var python = SpawnedProcess.Start("/usr/bin/python3", ["-c",
            "import threading\nts=[threading.Thread(target=lambda: None) for _ in range(4)]\n[t.start() for t in ts]\n[t.join() for t in ts]"]);
        Assert.True(python.WaitForExit(TimeSpan.FromSeconds(30)));
        var records = Collect(program, r => r.Any(x => x.Kind == BpfRecordKind.Exit && x.Pid == python.Pid));

        Assert.Single(records, x => x.Kind == BpfRecordKind.Exit && x.Pid == python.Pid);
        Assert.DoesNotContain(records, x => x.Kind == BpfRecordKind.Fork && x.Ppid == python.Pid);
    }

    [SkippableFact]
    public void A_deleted_executable_and_a_removed_working_directory_read_as_proc_shows_them()
    {
        using var program = Load();
        using var temp = new TempDirectory("atalaya-bpf-");
        var copy = temp.Combine("sleeper");
        File.Copy("/usr/bin/sleep", copy);
        var work = temp.Combine("work dir");
        Directory.CreateDirectory(work);
        // A dropper's shape: open the binary, unlink it, leave no directory behind, run it from the descriptor.
        using var shell = SpawnedProcess.Start("/bin/sh", ["-c", $"cd '{work}' && exec 3<'{copy}' && rm '{copy}' && rmdir '{work}' && exec /proc/self/fd/3 10"]);
        var records = Collect(program, r => r.Any(x => x.Kind == BpfRecordKind.Exec && x.Pid == shell.Pid && x.Exec!.Comm == "3"));
        var exec = records.Single(x => x.Kind == BpfRecordKind.Exec && x.Pid == shell.Pid && x.Exec!.Comm == "3").Exec!;

        Assert.Equal(copy, exec.ExecutablePath);
        Assert.True(exec.ExecutableDeleted);
        Assert.Equal(work + " (deleted)", exec.WorkingDirectory);
        Assert.Equal(copy + " (deleted)", Interop.ReadLink($"/proc/{shell.Pid}/exe", out _));
        Assert.Equal(work + " (deleted)", Interop.ReadLink($"/proc/{shell.Pid}/cwd", out _));
    }

    [SkippableFact]
    public void A_long_argv_is_cut_at_the_record_and_says_so()
    {
        using var program = Load();
        var big = new string('A', 10_000);
        using var sleeper = SpawnedProcess.Start("/usr/bin/sleep", ["30", big]);
        var records = Collect(program, r => r.Any(x => x.Kind == BpfRecordKind.Exec && x.Pid == sleeper.Pid));
        var exec = records.Single(x => x.Kind == BpfRecordKind.Exec && x.Pid == sleeper.Pid).Exec!;

        Assert.False(exec.ArgsComplete);
        Assert.Equal("/usr/bin/sleep", exec.Args[0]);
        Assert.Equal("30", exec.Args[1]);
        Assert.StartsWith("AAAA", exec.Args[2], StringComparison.Ordinal);
        Assert.Equal(BpfProcessRecordParser.ArgsMax, Encoding.UTF8.GetByteCount(string.Join('\0', exec.Args)));
    }
}
