using System.Collections.Concurrent;
using System.Security.Cryptography;
using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Hashing;
using Atalaya.Platform.Linux.Host;
using Atalaya.Platform.Linux.Processes;
using Atalaya.TestKit;

namespace Atalaya.Platform.Linux.Tests.Processes;

/// <summary>On the real kernel: spawns real processes, killed by pid on dispose.</summary>
public sealed class ProcfsProcessCollectorTests
{
    private static readonly LinuxHostInfo Host = LinuxHostInfo.Read();

    private static ProcfsProcessCollector Create(TimeSpan? interval = null) => new(
        new ProcfsProcessCollectorOptions { Interval = interval ?? TimeSpan.FromMilliseconds(100) },
        TimeProvider.System,
        Host,
        new ExecutableHashCache(),
        new UserNameResolver());

    private static EcsEvent? Find(IEnumerable<EcsEvent> events, int pid) => events.FirstOrDefault(e => e.Process!.Pid == pid);

    [Fact]
    public void Snapshot_describes_a_spawned_process()
    {
        using var sleeper = SpawnedProcess.Start("/usr/bin/sleep", ["30"]);
        var collector = Create();

        var first = Find(collector.TakeSnapshot(CancellationToken.None), sleeper.Pid);
        var second = Find(collector.TakeSnapshot(CancellationToken.None), sleeper.Pid);

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Equal(EventKinds.State, first.Event.Kind);
        Assert.Equal([EventCategories.Process], first.Event.Category);
        Assert.Equal([EventTypes.Info], first.Event.Type);
        Assert.Equal("process-running", first.Event.Action);
        Assert.Equal(Datasets.Process, first.Event.Dataset);
        Assert.Equal("atalaya", first.Event.Module);
        Assert.Same(Host.Host, first.Host);

        var p = first.Process!;
        Assert.Equal("sleep", p.Name);
        Assert.Equal("/usr/bin/sleep", p.Executable);
        Assert.Equal(["/usr/bin/sleep", "30"], p.Args);
        Assert.Equal(2, p.ArgsCount);
        Assert.Equal("/usr/bin/sleep 30", p.CommandLine);
        Assert.Equal(Environment.CurrentDirectory, p.WorkingDirectory);
        Assert.Equal("0", p.User!.Id);
        Assert.Equal("root", p.User.Name);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes("/usr/bin/sleep"))), p.Hash!.Sha256);
        Assert.Equal(second.Process!.EntityId, p.EntityId);
        Assert.Equal(32, p.EntityId!.Length);
        Assert.NotNull(p.Start);
        Assert.True(p.Start > Host.BootTime);

        Assert.Equal(Environment.ProcessId, p.Parent!.Pid);
        Assert.NotNull(p.Parent.EntityId);
        Assert.NotNull(p.Parent.Executable);
        var ancestry = first.Atalaya!.Process!.Ancestry!;
        Assert.Equal(Environment.ProcessId, ancestry[0].Pid);
        Assert.Equal(1, ancestry[^1].Pid);
        Assert.False(first.Atalaya.Process.ExecutableDeleted);
        Assert.Null(first.Atalaya.Partial);
    }

    [Fact]
    public void Snapshot_includes_kernel_threads_without_executable_or_hash()
    {
        var kthreadd = Find(Create().TakeSnapshot(CancellationToken.None), 2);
        Assert.NotNull(kthreadd);
        Assert.Equal("kthreadd", kthreadd.Process!.Name);
        Assert.Null(kthreadd.Process.Executable);
        Assert.Null(kthreadd.Process.Hash);
        Assert.Null(kthreadd.Process.CommandLine);
        Assert.Equal(0, kthreadd.Process.ArgsCount);
        Assert.Null(kthreadd.Process.Parent);
        Assert.Empty(kthreadd.Atalaya!.Process!.Ancestry!);
    }

    [Fact]
    public async Task Snapshot_flags_a_deleted_executable()
    {
        using var dir = new TempDirectory();
        var copy = dir.Combine("sleep-copy");
        File.Copy("/usr/bin/sleep", copy);
        File.SetUnixFileMode(copy, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        using var sleeper = SpawnedProcess.Start(copy, ["30"]);
        await Eventually.WaitForAsync(() => File.ReadAllText($"/proc/{sleeper.Pid}/comm").Trim(), c => c == "sleep-copy");
        File.Delete(copy);

        var e = Find(Create().TakeSnapshot(CancellationToken.None), sleeper.Pid);

        Assert.NotNull(e);
        Assert.Equal(copy, e.Process!.Executable);
        Assert.True(e.Atalaya!.Process!.ExecutableDeleted);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes("/usr/bin/sleep"))), e.Process.Hash!.Sha256);
    }

    [Fact]
    public async Task Run_publishes_running_then_started_and_ended()
    {
        var collector = Create();
        var published = new CollectingPublisher();
        using var cts = new CancellationTokenSource();
        var run = collector.RunAsync(published, cts.Token);
        try
        {
            await Eventually.WaitForAsync(() => published.Events.Count(e => e.Event.Action == "process-running"), n => n > 0);
            Assert.Contains(published.Events, e => e.Event.Action == "process-running" && e.Process!.Pid == Environment.ProcessId);

            int pid;
            string? entityId;
            using (var sleeper = SpawnedProcess.Start("/usr/bin/sleep", ["30"]))
            {
                pid = sleeper.Pid;
                var started = await Eventually.WaitForAsync(
                    () => published.Events.FirstOrDefault(e => e.Event.Action == "process-started" && e.Process!.Pid == pid),
                    e => e is not null);
                Assert.NotNull(started);
                Assert.Equal(EventKinds.Event, started.Event.Kind);
                Assert.Equal([EventTypes.Start], started.Event.Type);
                Assert.Equal(Environment.ProcessId, started.Process!.Parent!.Pid);
                entityId = started.Process.EntityId;

                // A poll can land between fork and exec (Process.Start forks the test host, then
                // execs): the start then shows the host's image and the next poll reports the exec.
                var asSleep = await Eventually.WaitForAsync(
                    () => published.Events.FirstOrDefault(e => e.Event.Action is "process-started" or "process-exec"
                        && e.Process!.Pid == pid && e.Process.Executable == "/usr/bin/sleep"),
                    e => e is not null);
                Assert.NotNull(asSleep);
                Assert.Equal(entityId, asSleep.Process!.EntityId);
            }

            var ended = await Eventually.WaitForAsync(
                () => published.Events.FirstOrDefault(e => e.Event.Action == "process-ended" && e.Process!.Pid == pid),
                e => e is not null);
            Assert.NotNull(ended);
            Assert.Equal([EventTypes.End], ended.Event.Type);
            Assert.Equal(entityId, ended.Process!.EntityId);
            Assert.Equal("/usr/bin/sleep", ended.Process.Executable);
            Assert.NotNull(ended.Process.End);
        }
        finally
        {
            await cts.CancelAsync();
            await run;
        }

        Assert.True(collector.Counters.Get("snapshots") >= 3);
        Assert.Equal(published.Events.Count, collector.Counters.Get("events_published"));
    }

    [Fact]
    public async Task Run_reports_an_exec_that_keeps_the_pid()
    {
        var collector = Create();
        var published = new CollectingPublisher();
        using var cts = new CancellationTokenSource();
        using var dir = new TempDirectory();
        var marker = dir.Combine("go");

        // sh waits for the marker file, then execs sleep in place (same pid, same starttime).
        using var shell = SpawnedProcess.Start("/bin/sh", ["-c", $"while [ ! -e '{marker}' ]; do /usr/bin/sleep 0.05; done; exec /usr/bin/sleep 30"]);
        var run = collector.RunAsync(published, cts.Token);
        try
        {
            await Eventually.WaitForAsync(() => published.Events.Any(e => e.Process!.Pid == shell.Pid), found => found);
            await File.WriteAllTextAsync(marker, "");
            var exec = await Eventually.WaitForAsync(
                () => published.Events.FirstOrDefault(e => e.Event.Action == "process-exec" && e.Process!.Pid == shell.Pid),
                e => e is not null);
            Assert.NotNull(exec);
            Assert.Equal("/usr/bin/sleep", exec.Process!.Executable);
            Assert.Equal(["/usr/bin/sleep", "30"], exec.Process.Args);
        }
        finally
        {
            await cts.CancelAsync();
            await run;
        }
    }

    [Fact]
    public async Task Run_returns_when_cancelled()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        var published = new CollectingPublisher();
        await Create().RunAsync(published, cts.Token);
        Assert.Empty(published.Events);
    }

    private sealed class CollectingPublisher : IEventPublisher
    {
        private readonly ConcurrentQueue<EcsEvent> _events = new();

        public IReadOnlyList<EcsEvent> Events => [.. _events];

        public void Publish(EcsEvent value) => _events.Enqueue(value);
    }
}
