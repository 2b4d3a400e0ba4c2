using System.Security.Cryptography;
using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Hashing;
using Atalaya.Platform.Linux.Host;
using Atalaya.Platform.Linux.Processes;
using Atalaya.TestKit;

namespace Atalaya.Platform.Linux.Tests.Processes;

/// <summary>
/// The real-time sensor on the real kernel, connector alone: real processes, killed by pid on dispose.
/// <see cref="KernelProgramProcessCollectorTests"/> runs every test again with the kernel program.
/// </summary>
public class NetlinkProcessCollectorTests : IDisposable
{
    private static readonly LinuxHostInfo Host = LinuxHostInfo.Read();

    private readonly List<NetlinkProcessCollector> _started = [];

    /// <summary>Whether the collectors of these tests load the kernel program (fork, exec, exit from eBPF).</summary>
    protected virtual bool KernelProgram => false;

    /// <summary>The sensor name the collector must report.</summary>
    private string ExpectedSensor => KernelProgram ? NetlinkProcessCollector.KernelSensorName : NetlinkProcessCollector.SensorName;

    public void Dispose()
    {
        // Unloads the kernel programs: attached ones would otherwise run for every exec until the test process ends.
        _started.ForEach(c => c.Dispose());
        GC.SuppressFinalize(this);
    }

    internal static NetlinkProcessCollector Create(Func<IProcConnectorSocket?>? socket = null, NetlinkProcessCollectorOptions? options = null) => new(
        options ?? new NetlinkProcessCollectorOptions { MapsSampleDelay = TimeSpan.FromMilliseconds(300) },
        TimeProvider.System, Host, new ExecutableHashCache(), new UserNameResolver(), new GroupNameResolver(), socket);

    private static async Task<EcsEvent?> WaitFor(EventCollector events, string action, int pid) =>
        await Eventually.WaitForAsync(() => events.Find(action, pid), e => e is not null);

    private async Task<(NetlinkProcessCollector Collector, EventCollector Events, CancellationTokenSource Cts, Task Run)> StartAsync(
        Func<IProcConnectorSocket?>? socket = null)
    {
        var collector = Create(socket, new NetlinkProcessCollectorOptions { MapsSampleDelay = TimeSpan.FromMilliseconds(300), PreferKernelProgram = KernelProgram });
        _started.Add(collector);
        Assert.True(collector.Sensor == ExpectedSensor, $"the kernel program did not load: {collector.KernelProgramUnavailableReason}");
        var events = new EventCollector();
        var cts = new CancellationTokenSource();
        var run = collector.RunAsync(events, cts.Token);

        // The initial /proc walk publishes this test process as running: from then on, events are live.
        await Eventually.WaitForAsync(() => events.Find("process-running", Environment.ProcessId), e => e is not null);
        return (collector, events, cts, run);
    }

    private static async Task StopAsync(CancellationTokenSource cts, Task run)
    {
        await cts.CancelAsync();
        await run;
        cts.Dispose();
    }

    [ProcConnectorFact]
    public async Task Exec_and_exit_of_a_spawned_process_are_published_enriched()
    {
        var (collector, events, cts, run) = await StartAsync();
        try
        {
            int pid;
            using (var sleeper = SpawnedProcess.Start("/usr/bin/sleep", ["30"]))
            {
                pid = sleeper.Pid;
                var exec = await WaitFor(events, "process-exec", pid);
                Assert.NotNull(exec);
                Assert.Equal(EventKinds.Event, exec.Event.Kind);
                Assert.Equal([EventTypes.Start], exec.Event.Type);
                Assert.Equal(Datasets.Process, exec.Event.Dataset);
                var p = exec.Process!;
                Assert.Equal("sleep", p.Name);
                Assert.Equal("/usr/bin/sleep", p.Executable);
                Assert.Equal(["/usr/bin/sleep", "30"], p.Args);
                Assert.Equal("/usr/bin/sleep 30", p.CommandLine);
                Assert.Equal(Environment.CurrentDirectory, p.WorkingDirectory);
                Assert.Equal("0", p.User!.Id);
                Assert.Equal("root", p.User.Name);
                Assert.Equal("0", p.RealUser!.Id);
                Assert.Equal("root", p.Group!.Name);
                Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes("/usr/bin/sleep"))), p.Hash!.Sha256);
                Assert.Equal(EntityIds.ForProcess(Host.BootId, pid, ReadStartTime(pid)), p.EntityId);
                Assert.Equal(Environment.ProcessId, p.Parent!.Pid);
                Assert.NotNull(p.Parent.Executable);
                Assert.Null(p.EnvVars);
                var a = exec.Atalaya!;
                Assert.Null(a.Partial);
                Assert.Equal(Environment.ProcessId, a.Process!.Ancestry![0].Pid);
                Assert.Equal(1, a.Process.Ancestry[^1].Pid);
                Assert.Equal(new FileInfo("/usr/bin/sleep").Length, a.Process.ExecutableSize);
                Assert.False(a.Process.ExecutableDeleted);
                Assert.Null(a.Process.Fileless);
                Assert.Equal(1, a.Process.ThreadCount);
                Assert.True(a.Process.FdCount >= 3);
                Assert.Equal(16, a.Process.CapEff!.Length);
                Assert.NotNull(a.Process.Cgroup);

                // The event time is the kernel's: not after the moment it was received.
                Assert.True(exec.Timestamp <= DateTimeOffset.UtcNow);
                Assert.True(exec.Timestamp > DateTimeOffset.UtcNow.AddMinutes(-5));
            }

            var ended = await WaitFor(events, "process-ended", pid);
            Assert.NotNull(ended);
            Assert.Equal([EventTypes.End], ended.Event.Type);
            Assert.Equal("/usr/bin/sleep", ended.Process!.Executable);
            Assert.NotNull(ended.Process.End);
            Assert.Equal(events.Find("process-exec", pid)!.Process!.EntityId, ended.Process.EntityId);
        }
        finally
        {
            await StopAsync(cts, run);
        }

        Assert.True(collector.Counters.Get("events") > 0);
        Assert.Equal(0, collector.Counters.Get("lost"));
        Assert.Equal(0, collector.Counters.Get("malformed_messages"));
        Assert.Equal(events.Events.Count, collector.Counters.Get("events_published"));
        Assert.Equal(ExpectedSensor, collector.Sensor);
    }

    [ProcConnectorFact]
    public async Task Ld_preload_from_a_writable_directory_is_seen_in_environment_and_maps()
    {
        using var dir = new TempDirectory();
        var library = dir.Combine("libinject.so");
        File.Copy("/lib/x86_64-linux-gnu/libdl.so.2", library);
        var (_, events, cts, run) = await StartAsync();
        try
        {
            using var sleeper = SpawnedProcess.Start("/usr/bin/sleep", ["30"], environment: new Dictionary<string, string> { ["LD_PRELOAD"] = library });
            var exec = await WaitFor(events, "process-exec", sleeper.Pid);
            Assert.NotNull(exec);
            Assert.Equal([$"LD_PRELOAD={library}"], exec.Process!.EnvVars);

            var inspected = await WaitFor(events, NetlinkProcessCollector.ActionInspected, sleeper.Pid);
            Assert.NotNull(inspected);
            Assert.Equal([library], inspected.Atalaya!.Process!.WritablePathLibraries);
            Assert.Equal(exec.Process.EntityId, inspected.Process!.EntityId);
        }
        finally
        {
            await StopAsync(cts, run);
        }
    }

    [ProcConnectorFact]
    public async Task A_process_without_preload_publishes_no_inspection()
    {
        var (collector, events, cts, run) = await StartAsync();
        try
        {
            using var sleeper = SpawnedProcess.Start("/usr/bin/sleep", ["30"]);
            Assert.NotNull(await WaitFor(events, "process-exec", sleeper.Pid));
            await Eventually.WaitForAsync(() => collector.Counters.Get("maps_sampled"), n => n > 0);
            Assert.Null(events.Find(NetlinkProcessCollector.ActionInspected, sleeper.Pid));
        }
        finally
        {
            await StopAsync(cts, run);
        }
    }

    [ProcConnectorFact]
    public async Task Exec_from_a_memfd_is_fileless()
    {
        // python copies sleep into a memfd and execs it through /proc/self/fd: nothing on disk.
        const string script = "import os\nfd = os.memfd_create('payload', 0)\nos.write(fd, open('/usr/bin/sleep', 'rb').read())\n"
            + "os.execv('/proc/self/fd/%d' % fd, ['payload', '30'])\n";
        var (_, events, cts, run) = await StartAsync();
        try
        {
            using var python = SpawnedProcess.Start("/usr/bin/env", ["python3", "-c", script]);
            var exec = await Eventually.WaitForAsync(
                () => events.Events.FirstOrDefault(e => e.Event.Action == "process-exec" && e.Process!.Pid == python.Pid && e.Process.Executable?.StartsWith("/memfd:", StringComparison.Ordinal) == true),
                e => e is not null);
            Assert.NotNull(exec);
            Assert.Equal("/memfd:payload", exec.Process!.Executable);
            Assert.True(exec.Atalaya!.Process!.Fileless);
            Assert.Equal(["payload", "30"], exec.Process.Args);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes("/usr/bin/sleep"))), exec.Process.Hash!.Sha256);
        }
        finally
        {
            await StopAsync(cts, run);
        }
    }

    [ProcConnectorFact]
    public async Task Ptrace_attach_names_the_tracer()
    {
        var (_, events, cts, run) = await StartAsync();
        try
        {
            using var target = SpawnedProcess.Start("/usr/bin/sleep", ["30"]);
            Assert.NotNull(await WaitFor(events, "process-exec", target.Pid));
            using var strace = SpawnedProcess.Start("/usr/bin/strace", ["-p", target.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "-o", "/dev/null"]);
            var attach = await WaitFor(events, NetlinkProcessCollector.ActionPtrace, target.Pid);
            Assert.NotNull(attach);
            Assert.Equal(strace.Pid, attach.Atalaya!.Process!.TracerPid);
            Assert.Equal("/usr/bin/strace", attach.Atalaya.Process.TracerExecutable);
            Assert.Equal("/usr/bin/sleep", attach.Process!.Executable);
        }
        finally
        {
            await StopAsync(cts, run);
        }
    }

    [ProcConnectorFact]
    public async Task A_process_that_drops_privileges_is_published_with_its_new_credentials()
    {
        var (_, events, cts, run) = await StartAsync();
        try
        {
            // A daemon's privilege drop: setgid then setuid to nobody, without exec. With the kernel
            // program these arrive through the connector's filtered subscription.
            using var python = SpawnedProcess.Start("/usr/bin/python3", ["-c", "import os, time\nos.setgid(65534)\nos.setuid(65534)\ntime.sleep(30)"]);
            var changed = await Eventually.WaitForAsync(
                () => events.Events.FirstOrDefault(e => e.Event.Action == NetlinkProcessCollector.ActionCredentials && e.Process!.Pid == python.Pid
                    && e.Process.User?.Id == "65534"),
                e => e is not null);
            Assert.NotNull(changed);
            Assert.Equal("65534", changed.Process!.RealUser!.Id);
            Assert.Equal("65534", changed.Process.Group!.Id);
            Assert.Equal([EventTypes.Change], changed.Event.Type);
        }
        finally
        {
            await StopAsync(cts, run);
        }
    }

    [ProcConnectorFact]
    public async Task Argv0_disguised_as_a_kernel_thread_is_reported_as_written()
    {
        var (_, events, cts, run) = await StartAsync();
        try
        {
            using var shell = SpawnedProcess.Start("/bin/bash", ["-c", "exec -a '[kworker/0:1]' /usr/bin/sleep 30"]);
            var exec = await Eventually.WaitForAsync(
                () => events.Events.FirstOrDefault(e => e.Event.Action == "process-exec" && e.Process!.Pid == shell.Pid && e.Process.Executable == "/usr/bin/sleep"),
                e => e is not null);
            Assert.NotNull(exec);
            Assert.Equal(["[kworker/0:1]", "30"], exec.Process!.Args);
            Assert.Equal("sleep", exec.Process.Name);
        }
        finally
        {
            await StopAsync(cts, run);
        }
    }

    [ProcConnectorFact]
    public async Task A_rename_without_exec_is_published_and_an_exec_rename_is_not()
    {
        var (_, events, cts, run) = await StartAsync();
        try
        {
            using var shell = SpawnedProcess.Start("/bin/bash", ["-c", "/usr/bin/sleep 0.3; printf 'evil name' > /proc/$$/comm; /usr/bin/sleep 30; true"]);
            var renamed = await WaitFor(events, NetlinkProcessCollector.ActionRenamed, shell.Pid);
            Assert.NotNull(renamed);
            Assert.Equal("evil name", renamed.Process!.Name);
            Assert.Equal("/usr/bin/bash", renamed.Process.Executable);
            var sleepExec = await Eventually.WaitForAsync(
                () => events.Events.FirstOrDefault(e => e.Event.Action == "process-exec" && e.Process!.Parent?.Pid == shell.Pid && e.Process.Args is { Count: > 0 } args && args[^1] == "30"),
                e => e is not null);
            Assert.NotNull(sleepExec);
            Assert.DoesNotContain(events.Events, e => e.Event.Action == NetlinkProcessCollector.ActionRenamed && e.Process!.Pid == sleepExec.Process!.Pid);
        }
        finally
        {
            await StopAsync(cts, run);
        }
    }

    [ProcConnectorFact]
    public async Task Hostile_names_and_a_128_KiB_argument_do_not_break_the_sensor()
    {
        // A binary whose name holds a newline, parentheses, an escape sequence and invalid UTF-8, run
        // with a 128 KiB argument full of control characters (bash ignores the extra arguments of -c).
        using var dir = new TempDirectory();
        const string script = "import os, sys, shutil\nd = sys.argv[1].encode()\nname = d + b'/a\\nb )( \\xff\\x1b[31m'\n"
            + "shutil.copy('/bin/bash', name)\nos.chmod(name, 0o755)\n"
            + "big = 'x\\x01\\x7f\\n\\t' * (128 * 1024 // 5)\nos.execv(name, [name, '-c', '/usr/bin/sleep 30; true', big])\n";
        var (collector, events, cts, run) = await StartAsync();
        try
        {
            using var python = SpawnedProcess.Start("/usr/bin/env", ["python3", "-c", script, dir.Path]);
            var exec = await Eventually.WaitForAsync(
                () => events.Events.FirstOrDefault(e => e.Event.Action == "process-exec" && e.Process!.Pid == python.Pid && e.Process.Executable?.StartsWith(dir.Path, StringComparison.Ordinal) == true),
                e => e is not null);
            Assert.NotNull(exec);
            Assert.Equal(dir.Path + "/a\nb )( \ufffd\u001b[31m", exec.Process!.Executable);
            Assert.Equal(4, exec.Process.ArgsCount);
            Assert.Equal(128 * 1024 / 5 * 5, exec.Process.Args![3].Length);
            Assert.Equal("x\u0001\u007f\n\t", exec.Process.Args[3][..5]);
            Assert.Equal("a\nb )( \ufffd\u001b[31m", exec.Process.Name);
            Assert.DoesNotContain('\n', EcsJson.Serialize(exec));
            Assert.Equal(0, collector.Counters.Get("malformed_messages"));
        }
        finally
        {
            await StopAsync(cts, run);

            // .NET cannot name a file whose name is not UTF-8: rm removes the tree by its bytes.
            using var rm = SpawnedProcess.Start("/bin/rm", ["-rf", "--", dir.Path]);
            rm.WaitForExit(TimeSpan.FromSeconds(30));
        }
    }

    [ProcConnectorFact]
    public async Task Processes_gone_before_the_read_are_published_partial_with_pid_and_parent()
    {
        var (collector, events, cts, run) = await StartAsync();
        try
        {
            using var loop = SpawnedProcess.Start("/bin/bash", ["-c", "for ((i = 0; i < 300; i++)); do /bin/true; done"]);
            Assert.True(loop.WaitForExit(TimeSpan.FromSeconds(60)));
            var children = await Eventually.WaitForAsync(
                () => events.Events.Where(e => e.Event.Action == "process-exec" && e.Process!.Parent?.Pid == loop.Pid).ToList(),
                list => list.Count >= 300);
            Assert.Equal(300, children.Count);
            foreach (var child in children)
            {
                Assert.NotNull(child.Process!.EntityId);
                Assert.True(child.Process.Pid > 0);
                if (KernelProgram)
                {
                    // Read in the kernel at the exec: the image of a process gone at once is still known.
                    Assert.Equal(["/bin/true"], child.Process.Args);
                    Assert.Equal("/usr/bin/true", child.Process.Executable);
                }

                if (child.Process.Executable is null)
                {
                    Assert.True(child.Atalaya!.Partial);
                }
                else
                {
                    Assert.Equal("/usr/bin/true", child.Process.Executable);
                }
            }

            // Every exec'd child also ended, under the same entity id as its start.
            var ended = await Eventually.WaitForAsync(
                () => events.Events.Where(e => e.Event.Action == "process-ended").Select(e => e.Process!.EntityId).ToHashSet(),
                set => children.All(c => set.Contains(c.Process!.EntityId)));
            Assert.All(children, c => Assert.Contains(c.Process!.EntityId, ended));
            Assert.Equal(0, collector.Counters.Get("malformed_messages"));
        }
        finally
        {
            await StopAsync(cts, run);
        }
    }

    [ProcConnectorFact]
    public async Task A_fork_that_never_execs_gets_its_exact_entity_id_as_a_parent_and_when_published()
    {
        // python forks B, which never execs but forks C, which execs sleep: B's start time is read from
        // stat only when C names it as parent and when B itself is published (it lives past the delay).
        const string script = "import os\nb = os.fork()\nif b == 0:\n    c = os.fork()\n    if c == 0:\n"
            + "        os.execv('/usr/bin/sleep', ['/usr/bin/sleep', '30'])\n    os.waitpid(c, 0)\n    os._exit(0)\nos.waitpid(b, 0)\n";
        var (collector, events, cts, run) = await StartAsync();
        var started = new List<int>();
        try
        {
            using var python = SpawnedProcess.Start("/usr/bin/python3", ["-c", script]);
            var exec = await Eventually.WaitForAsync(
                () => events.Events.FirstOrDefault(e => e.Event.Action == "process-exec" && e.Process!.Executable == "/usr/bin/sleep"
                    && e.Atalaya?.Process?.Ancestry is { Count: > 1 } a && a[1].Pid == python.Pid),
                e => e is not null);
            Assert.NotNull(exec);
            var forkPid = exec.Process!.Parent!.Pid;
            started.Add(exec.Process.Pid);
            started.Add(forkPid);
            Assert.NotEqual(python.Pid, forkPid);
            var forkEntity = EntityIds.ForProcess(Host.BootId, forkPid, ReadStartTime(forkPid));
            Assert.Equal(forkEntity, exec.Process.Parent.EntityId);

            var published = await WaitFor(events, NetlinkProcessCollector.ActionForked, forkPid);
            Assert.NotNull(published);
            Assert.Equal(forkEntity, published.Process!.EntityId);
            Assert.Equal("/usr/bin/python3.11", published.Process.Executable);
            Assert.Equal(python.Pid, published.Process.Parent!.Pid);
            Assert.Null(published.Atalaya?.Partial);
            // The kernel program reports a fork's start time; the connector's fork is settled from stat.
            Assert.True(KernelProgram || collector.Counters.Get("fork_start_read") >= 1);
        }
        finally
        {
            // Kill the grandchild and the fork by pid; python then reaps B and exits.
            foreach (var pid in started)
            {
                KillByPid(pid);
            }

            await StopAsync(cts, run);
        }
    }

    [ProcConnectorFact]
    public async Task A_double_fork_keeps_the_creator_as_parent_after_it_exits()
    {
        // python P forks C; C forks G and exits at once (a daemonizing dropper); G execs sleep after C is
        // gone, so stat says its parent is 1 (or a subreaper). The fork event named C: that is its parent.
        const string script = "import os, time\nc = os.fork()\nif c == 0:\n    g = os.fork()\n    if g == 0:\n"
            + "        time.sleep(0.3)\n        os.execv('/usr/bin/sleep', ['/usr/bin/sleep', '30'])\n    os._exit(0)\nos.waitpid(c, 0)\n";
        var (_, events, cts, run) = await StartAsync();
        var grandchild = 0;
        try
        {
            using var python = SpawnedProcess.Start("/usr/bin/python3", ["-c", script]);
            var exec = await Eventually.WaitForAsync(
                () => events.Events.FirstOrDefault(e => e.Event.Action == "process-exec" && e.Process!.Executable == "/usr/bin/sleep"
                    && e.Atalaya?.Process?.Ancestry is { Count: > 1 } a && a[1].Pid == python.Pid),
                e => e is not null);
            Assert.NotNull(exec);
            grandchild = exec.Process!.Pid;
            var intermediate = exec.Process.Parent!;
            Assert.NotEqual(python.Pid, intermediate.Pid);
            Assert.NotEqual(1, intermediate.Pid);
            // stat no longer names the creator (it exited): the parent came from the fork event.
            Assert.NotEqual(intermediate.Pid, ReadPpid(grandchild));
            Assert.Equal("/usr/bin/python3.11", intermediate.Executable);
            Assert.False(string.IsNullOrEmpty(intermediate.EntityId));
            Assert.Equal("/usr/bin/python3.11", exec.Atalaya!.Process!.Ancestry![1].Executable);
        }
        finally
        {
            if (grandchild > 0)
            {
                KillByPid(grandchild);
            }

            await StopAsync(cts, run);
        }
    }

    /// <summary>A process this test's child started (orphaned, so no SpawnedProcess owns it).</summary>
    private static void KillByPid(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            process.Kill();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // Already gone.
        }
    }

    private static int ReadPpid(int pid)
    {
        Assert.True(ProcStatParser.TryParse(File.ReadAllText($"/proc/{pid}/stat"), out var parsed));
        return parsed.Ppid;
    }

    private static ulong ReadStartTime(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        Assert.True(ProcStatParser.TryParse(stat, out var parsed));
        return parsed.StartTime;
    }
}
