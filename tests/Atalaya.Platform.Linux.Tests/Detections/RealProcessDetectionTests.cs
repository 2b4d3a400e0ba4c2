using System.Net;
using System.Net.Sockets;
using Atalaya.Core.Analytics;
using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Hashing;
using Atalaya.Platform.Linux.Host;
using Atalaya.Platform.Linux.Processes;
using Atalaya.Platform.Linux.Tests.Processes;
using Atalaya.TestKit;

namespace Atalaya.Platform.Linux.Tests.Detections;

/// <summary>
/// The process analytics on real processes observed by the real connector: each attacker technique is
/// performed for real (safely, on processes the test owns) and must produce its signal; a benign twin
/// must not.
/// </summary>
public sealed class RealProcessDetectionTests
{
    private static readonly Lazy<ProcessBehaviourCatalog> Catalog = new(() =>
        ProcessBehaviourCatalog.Parse(File.ReadAllText(Path.Combine(RepositoryRoot(), "rules", "catalogs", "process-behaviour.yml"))));

    private sealed class Harness : IAsyncDisposable
    {
        private readonly CancellationTokenSource _cts = new();
        private readonly Task _run;

        public Harness()
        {
            Collector = NetlinkProcessCollectorTests.Create();
            _run = Collector.RunAsync(Events, _cts.Token);
        }

        public NetlinkProcessCollector Collector { get; }

        public EventCollector Events { get; } = new();

        public Task ReadyAsync() => Eventually.WaitForAsync(() => Events.Find("process-running", Environment.ProcessId), e => e is not null);

        /// <summary>Every signal a fresh analytic gives over the events about <paramref name="pid"/> so far.</summary>
        public List<Signal> SignalsFor(Func<IAnalytic> create, int pid)
        {
            var analytic = create();
            var sink = new Sink();
            foreach (var e in Events.Events.Where(e => e.Process?.Pid == pid))
            {
                analytic.Observe(e, sink);
            }

            return sink.Signals;
        }

        public async Task<List<Signal>> WaitForSignalsAsync(Func<IAnalytic> create, int pid, int attempts = 60) =>
            await Eventually.WaitForAsync(() => SignalsFor(create, pid), s => s.Count > 0, attempts);

        public async ValueTask DisposeAsync()
        {
            await _cts.CancelAsync();
            await _run;
            _cts.Dispose();
        }
    }

    private sealed class Sink : ISignalSink
    {
        public List<Signal> Signals { get; } = [];

        public void Emit(Signal signal) => Signals.Add(signal);
    }

    private static async Task<Harness> StartAsync()
    {
        var harness = new Harness();
        await harness.ReadyAsync();
        return harness;
    }

    private static async Task WaitExecAsync(Harness h, int pid, string executable) =>
        Assert.NotNull(await Eventually.WaitForAsync(
            () => h.Events.Events.FirstOrDefault(e => e.Event.Action == "process-exec" && e.Process!.Pid == pid && e.Process.Executable == executable),
            e => e is not null));

    [ProcConnectorFact]
    public async Task Memfd_execution_is_detected_and_a_plain_exec_is_not()
    {
        const string script = "import os\nfd = os.memfd_create('payload', 0)\nos.write(fd, open('/usr/bin/sleep', 'rb').read())\n"
            + "os.execv('/proc/self/fd/%d' % fd, ['payload', '30'])\n";
        await using var h = await StartAsync();
        using var python = SpawnedProcess.Start("/usr/bin/python3", ["-c", script]);
        using var plain = SpawnedProcess.Start("/usr/bin/sleep", ["30"]);
        Func<IAnalytic> analytic = () => new FilelessExecutionAnalytic(Catalog.Value);

        var signal = Assert.Single(await h.WaitForSignalsAsync(analytic, python.Pid));
        Assert.Equal("atalaya.analytic.fileless-execution.memfd", signal.SourceId);
        await WaitExecAsync(h, plain.Pid, "/usr/bin/sleep");
        Assert.Empty(h.SignalsFor(analytic, plain.Pid));
    }

    [ProcConnectorFact]
    public async Task Ld_preload_of_a_library_in_tmp_is_detected_and_no_preload_is_not()
    {
        using var dir = new TempDirectory();
        var library = dir.Combine("libhook.so");
        File.Copy("/lib/x86_64-linux-gnu/libdl.so.2", library);
        await using var h = await StartAsync();
        using var injected = SpawnedProcess.Start("/usr/bin/sleep", ["30"], environment: new Dictionary<string, string> { ["LD_PRELOAD"] = library });
        using var clean = SpawnedProcess.Start("/usr/bin/sleep", ["30"]);
        Func<IAnalytic> analytic = () => new LdPreloadAnalytic(Catalog.Value);

        // The environment at exec, then the mapped library once the maps are sampled.
        var signals = await Eventually.WaitForAsync(() => h.SignalsFor(analytic, injected.Pid), s => s.Count >= 2);
        Assert.Equal(["preload-user-writable", "mapped-temporary"], signals.Select(s => s.SourceId.Split('.').Last()));
        await WaitExecAsync(h, clean.Pid, "/usr/bin/sleep");
        await Eventually.WaitForAsync(() => h.Collector.Counters.Get("maps_sampled"), n => n >= 2);
        Assert.Empty(h.SignalsFor(analytic, clean.Pid));
    }

    [ProcConnectorFact]
    public async Task Kernel_thread_disguise_through_exec_a_is_detected_and_a_normal_argv0_is_not()
    {
        await using var h = await StartAsync();
        using var disguised = SpawnedProcess.Start("/bin/bash", ["-c", "exec -a '[kworker/0:1]' /usr/bin/sleep 30"]);
        using var normal = SpawnedProcess.Start("/bin/bash", ["-c", "exec -a sleep /usr/bin/sleep 30"]);
        Func<IAnalytic> analytic = () => new KernelThreadDisguiseAnalytic();

        var signal = Assert.Single(await h.WaitForSignalsAsync(analytic, disguised.Pid));
        Assert.Equal("atalaya.analytic.kernel-thread-disguise.argv0", signal.SourceId);
        await WaitExecAsync(h, normal.Pid, "/usr/bin/sleep");
        Assert.Empty(h.SignalsFor(analytic, normal.Pid));
    }

    [ProcConnectorFact]
    public async Task Ptrace_attach_by_a_non_debugger_is_high_and_by_strace_low()
    {
        // python attaches with ptrace(PTRACE_ATTACH) through libc, the way an injector does.
        const string attach = "import ctypes, sys, time\nlibc = ctypes.CDLL(None, use_errno=True)\n"
            + "assert libc.ptrace(16, int(sys.argv[1]), None, None) == 0, ctypes.get_errno()\ntime.sleep(30)\n";
        await using var h = await StartAsync();
        using var target = SpawnedProcess.Start("/usr/bin/sleep", ["30"]);
        using var debugged = SpawnedProcess.Start("/usr/bin/sleep", ["30"]);
        await WaitExecAsync(h, target.Pid, "/usr/bin/sleep");
        await WaitExecAsync(h, debugged.Pid, "/usr/bin/sleep");
        using var injector = SpawnedProcess.Start("/usr/bin/python3", ["-c", attach, target.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        using var strace = SpawnedProcess.Start("/usr/bin/strace", ["-p", debugged.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "-o", "/dev/null"]);
        Func<IAnalytic> analytic = () => new PtraceAttachAnalytic(Catalog.Value);

        var high = Assert.Single(await h.WaitForSignalsAsync(analytic, target.Pid));
        Assert.Equal("atalaya.analytic.ptrace-attach.attach", high.SourceId);
        Assert.Contains("python3", high.Detail, StringComparison.Ordinal);
        var low = Assert.Single(await h.WaitForSignalsAsync(analytic, debugged.Pid));
        Assert.Equal("atalaya.analytic.ptrace-attach.debugger", low.SourceId);
    }

    [ProcConnectorFact]
    public async Task Anonymous_executable_memory_in_a_non_jit_program_is_detected_and_a_plain_program_is_not()
    {
        const string script = "import mmap, time\nm = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)\ntime.sleep(30)\n";
        await using var h = await StartAsync();
        using var shellcodeHost = SpawnedProcess.Start("/usr/bin/python3", ["-c", script]);
        using var plain = SpawnedProcess.Start("/usr/bin/sleep", ["30"]);
        Func<IAnalytic> analytic = () => new AnonymousExecutableMemoryAnalytic(Catalog.Value);

        var signal = Assert.Single(await h.WaitForSignalsAsync(analytic, shellcodeHost.Pid));
        Assert.Equal(["T1055"], signal.Techniques);
        await Eventually.WaitForAsync(() => h.Collector.Counters.Get("maps_sampled"), n => n >= 3);
        Assert.Empty(h.SignalsFor(analytic, plain.Pid));
    }

    [ProcConnectorFact]
    public async Task Shell_spawned_by_a_program_named_like_a_web_server_is_detected_and_by_a_plain_shell_is_not()
    {
        using var dir = new TempDirectory();
        var nginx = dir.Combine("nginx");
        File.Copy("/bin/bash", nginx);
        File.SetUnixFileMode(nginx, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        await using var h = await StartAsync();
        using var service = SpawnedProcess.Start(nginx, ["-c", "/bin/sh -c '/usr/bin/sleep 30; true'; true"]);
        using var plain = SpawnedProcess.Start("/bin/bash", ["-c", "/bin/sh -c '/usr/bin/sleep 30; true'; true"]);
        Func<IAnalytic> analytic = () => new ServiceShellAnalytic(Catalog.Value);

        var child = await Eventually.WaitForAsync(
            () => h.Events.Events.FirstOrDefault(e => e.Event.Action == "process-exec" && e.Process!.Parent?.Pid == service.Pid && e.Process.Name == "sh"),
            e => e is not null);
        Assert.NotNull(child);
        Assert.Single(await h.WaitForSignalsAsync(analytic, child.Process!.Pid));

        var plainChild = await Eventually.WaitForAsync(
            () => h.Events.Events.FirstOrDefault(e => e.Event.Action == "process-exec" && e.Process!.Parent?.Pid == plain.Pid && e.Process.Name == "sh"),
            e => e is not null);
        Assert.NotNull(plainChild);
        Assert.Empty(h.SignalsFor(analytic, plainChild.Process!.Pid));
    }

    [ProcConnectorFact]
    public async Task Interpreter_fed_by_a_pipe_and_a_dev_tcp_shell_are_detected_and_a_script_file_is_not()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var dir = new TempDirectory();
        var scriptFile = dir.WriteFile("run.sh", "/usr/bin/sleep 30\ntrue\n");
        await using var h = await StartAsync();
        using var piped = SpawnedProcess.Start("/bin/bash", ["-c", "echo '/usr/bin/sleep 30; true' | /bin/bash; true"]);
        using var reverse = SpawnedProcess.Start("/bin/bash", ["-c", $"exec 3<>/dev/tcp/127.0.0.1/{port}; /usr/bin/sleep 30 <&3; true"]);
        using var fromFile = SpawnedProcess.Start("/bin/bash", [scriptFile]);
        using var accepted = await listener.AcceptTcpClientAsync();
        Func<IAnalytic> analytic = () => new InterpreterInputAnalytic(Catalog.Value);

        var pipeChild = await Eventually.WaitForAsync(
            () => h.Events.Events.FirstOrDefault(e => e.Event.Action == "process-exec" && e.Process!.Parent?.Pid == piped.Pid && e.Process.Executable == "/usr/bin/bash"),
            e => e is not null);
        Assert.NotNull(pipeChild);
        Assert.Equal("pipe", pipeChild.Atalaya!.Process!.StdinType);
        Assert.Equal("atalaya.analytic.interpreter-input.pipe", Assert.Single(await h.WaitForSignalsAsync(analytic, pipeChild.Process!.Pid)).SourceId);
        Assert.Equal("atalaya.analytic.interpreter-input.dev-tcp", Assert.Single(await h.WaitForSignalsAsync(analytic, reverse.Pid)).SourceId);
        await WaitExecAsync(h, fromFile.Pid, "/usr/bin/bash");
        Assert.Empty(h.SignalsFor(analytic, fromFile.Pid));
    }

    [ProcConnectorFact]
    public async Task A_binary_deleted_after_start_from_tmp_is_detected_and_a_present_one_is_not()
    {
        using var dir = new TempDirectory();
        var copy = dir.Combine("dropper");
        File.Copy("/usr/bin/sleep", copy);
        File.SetUnixFileMode(copy, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        await using var h = await StartAsync();

        // Launch and delete at once, the dropper's way: the exec read already finds the file gone, or the snapshot does.
        using var dropper = SpawnedProcess.Start("/bin/bash", ["-c", $"'{copy}' 30 & rm -f '{copy}'; wait"]);
        using var present = SpawnedProcess.Start("/usr/bin/sleep", ["30"]);
        Func<IAnalytic> analytic = () => new DeletedExecutableAnalytic();
        // Under load the exec can also surface through a resync or snapshot (process-started or
        // process-running) rather than the exec event itself; any event naming the copy will do.
        var exec = await Eventually.WaitForAsync(
            () => h.Events.Events.FirstOrDefault(e => e.Event.Action is "process-exec" or "process-started" or "process-running"
                && e.Process!.Executable == copy),
            e => e is not null,
            attempts: 300);
        Assert.NotNull(exec);
        await Eventually.WaitForAsync(() => File.Exists(copy), exists => !exists);

        var pid = exec.Process!.Pid;
        var signals = h.SignalsFor(analytic, pid);
        if (signals.Count == 0)
        {
            // The exec read beat the rm: the state snapshot sees the deletion.
            var sink = new Sink();
            foreach (var e in h.Collector.TakeSnapshot(CancellationToken.None).Where(e => e.Process!.Pid == pid))
            {
                analytic().Observe(e, sink);
            }

            signals = sink.Signals;
        }

        Assert.Equal("atalaya.analytic.deleted-executable.user-writable", Assert.Single(signals).SourceId);
        await WaitExecAsync(h, present.Pid, "/usr/bin/sleep");
        Assert.Empty(h.SignalsFor(analytic, present.Pid));
    }

    [Fact]
    public void A_process_hidden_from_the_listing_is_detected_and_a_listed_one_is_not()
    {
        using var hiddenProcess = SpawnedProcess.Start("/usr/bin/sleep", ["30"]);
        using var listedProcess = SpawnedProcess.Start("/usr/bin/sleep", ["30"]);
        var collector = new HiddenProcessCollector(new HiddenProcessCollectorOptions { SweepSize = 40_000 }, TimeProvider.System, LinuxHostInfo.Read(),
            () => ProcfsProcessCollector.EnumeratePids("/proc").Where(p => p != hiddenProcess.Pid));
        var sink = new Sink();
        var analytic = new HiddenProcessAnalytic();
        foreach (var e in collector.Sweep(CancellationToken.None))
        {
            analytic.Observe(e, sink);
        }

        var signal = Assert.Single(sink.Signals);
        Assert.Equal(hiddenProcess.Pid, signal.Subject.Process!.Pid);
        Assert.DoesNotContain(sink.Signals, s => s.Subject.Process!.Pid == listedProcess.Pid);
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Atalaya.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}
