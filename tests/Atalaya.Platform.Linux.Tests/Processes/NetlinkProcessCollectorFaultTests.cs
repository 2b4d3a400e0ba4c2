using Atalaya.Platform.Linux.Processes;
using Atalaya.TestKit;

namespace Atalaya.Platform.Linux.Tests.Processes;

/// <summary>
/// The sensor fed by a scripted socket: losses, socket errors, garbage and pid reuse, on the real /proc
/// (the resync and the enrichment read real processes). Needs no connector, only /proc.
/// </summary>
public sealed class NetlinkProcessCollectorFaultTests
{
    private const int ENOBUFS = 105;
    private const int EBADF = 9;

    private static async Task<(NetlinkProcessCollector Collector, EventCollector Events, CancellationTokenSource Cts, Task Run)> StartAsync(FakeConnectorSocket socket)
    {
        var collector = NetlinkProcessCollectorTests.Create(() => socket);
        var events = new EventCollector();
        var cts = new CancellationTokenSource();
        var run = collector.RunAsync(events, cts.Token);
        await Eventually.WaitForAsync(() => events.Find("process-running", Environment.ProcessId), e => e is not null);
        return (collector, events, cts, run);
    }

    private static async Task StopAsync(CancellationTokenSource cts, Task run)
    {
        await cts.CancelAsync();
        await run;
        cts.Dispose();
    }

    /// <summary>A pid with no process now (pid_max bounds the search; the loop ends at the first free one).</summary>
    private static int FreePid()
    {
        for (var pid = 30_000; pid > 300; pid--)
        {
            if (!Directory.Exists($"/proc/{pid}"))
            {
                return pid;
            }
        }

        throw new InvalidOperationException("no free pid below 30000");
    }

    [Fact]
    public async Task Enobufs_counts_one_loss_and_resyncs_so_a_missed_process_is_published()
    {
        var socket = new FakeConnectorSocket();
        var (collector, events, cts, run) = await StartAsync(socket);
        try
        {
            // The fake socket never reports this process: only the resync after the loss can see it.
            using var sleeper = SpawnedProcess.Start("/usr/bin/sleep", ["30"]);
            await Eventually.WaitForAsync(() => File.ReadAllText($"/proc/{sleeper.Pid}/comm").Trim(), c => c == "sleep");
            socket.EnqueueError(ENOBUFS);
            var started = await Eventually.WaitForAsync(() => events.Find("process-started", sleeper.Pid), e => e is not null);

            Assert.NotNull(started);
            Assert.Equal("/usr/bin/sleep", started.Process!.Executable);
            Assert.Equal(1, collector.Counters.Get("lost"));
            Assert.Equal(1, collector.Counters.Get("resyncs"));
            Assert.False(run.IsCompleted);
        }
        finally
        {
            await StopAsync(cts, run);
        }
    }

    [Fact]
    public async Task An_exec_queued_before_a_loss_is_not_a_second_start_after_the_resync()
    {
        var socket = new FakeConnectorSocket();
        var (collector, events, cts, run) = await StartAsync(socket);
        try
        {
            // The loss hides this process's fork and exec; the resync publishes it, then the exec that
            // was queued before the loss arrives: one start, not two.
            using var sleeper = SpawnedProcess.Start("/usr/bin/sleep", ["30"]);
            await Eventually.WaitForAsync(() => File.ReadAllText($"/proc/{sleeper.Pid}/comm").Trim(), c => c == "sleep");
            socket.EnqueueError(ENOBUFS);
            socket.Enqueue(ConnectorDatagrams.Exec(sleeper.Pid, sleeper.Pid));
            await Eventually.WaitForAsync(() => collector.Counters.Get("execs"), n => n >= 1);

            var starts = events.Events.Where(e => e.Process?.Pid == sleeper.Pid && e.Event.Type.Contains(Core.Schema.EventTypes.Start)).ToList();
            Assert.Single(starts);
            Assert.Equal("process-started", starts[0].Event.Action);
            Assert.Equal(1, collector.Counters.Get("execs_already_resynced"));

            // An exec of a process the resync did not publish is published as ever.
            socket.Enqueue(ConnectorDatagrams.Exec(Environment.ProcessId, Environment.ProcessId));
            await Eventually.WaitForAsync(() => collector.Counters.Get("execs"), n => n >= 2);
            Assert.NotNull(events.Find("process-exec", Environment.ProcessId));
        }
        finally
        {
            await StopAsync(cts, run);
        }
    }

    [Fact]
    public async Task A_socket_error_faults_the_run_for_the_supervisor_and_closes_the_socket()
    {
        var socket = new FakeConnectorSocket();
        var (_, _, cts, run) = await StartAsync(socket);
        socket.EnqueueError(EBADF);
        var error = await Assert.ThrowsAsync<IOException>(() => run);
        Assert.Contains("errno 9", error.Message, StringComparison.Ordinal);
        Assert.True(socket.Disposed);
        cts.Dispose();
    }

    [Fact]
    public async Task A_socket_that_cannot_open_faults_the_run()
    {
        var collector = NetlinkProcessCollectorTests.Create(() => null);
        using var cts = new CancellationTokenSource();
        await Assert.ThrowsAsync<IOException>(() => collector.RunAsync(new EventCollector(), cts.Token));
    }

    [Fact]
    public async Task Garbage_datagrams_are_counted_and_the_next_real_event_is_handled()
    {
        var socket = new FakeConnectorSocket();
        var (collector, events, cts, run) = await StartAsync(socket);
        try
        {
            var random = new Random(42);
            for (var i = 0; i < 200; i++)
            {
                var garbage = new byte[random.Next(0, 200)];
                random.NextBytes(garbage);
                socket.Enqueue(garbage);
            }

            var exec = ConnectorDatagrams.Exec(1, 1);
            socket.Enqueue(exec[..30]);
            var wrongLength = (byte[])exec.Clone();
            wrongLength[0] = 200;
            socket.Enqueue(wrongLength);

            using var sleeper = SpawnedProcess.Start("/usr/bin/sleep", ["30"]);
            await Eventually.WaitForAsync(() => File.ReadAllText($"/proc/{sleeper.Pid}/comm").Trim(), c => c == "sleep");
            socket.Enqueue(ConnectorDatagrams.Exec(sleeper.Pid, sleeper.Pid, (ulong)System.Diagnostics.Stopwatch.GetTimestamp()));

            var published = await Eventually.WaitForAsync(() => events.Find("process-exec", sleeper.Pid), e => e is not null);
            Assert.NotNull(published);
            Assert.Equal("/usr/bin/sleep", published.Process!.Executable);
            Assert.True(collector.Counters.Get("malformed_messages") >= 2);
            Assert.False(run.IsCompleted);
        }
        finally
        {
            await StopAsync(cts, run);
        }
    }

    [Fact]
    public async Task A_process_gone_before_the_read_is_published_partial_and_pid_reuse_ends_the_previous_holder()
    {
        var socket = new FakeConnectorSocket();
        var (collector, events, cts, run) = await StartAsync(socket);
        try
        {
            var pid = FreePid();
            var parent = Environment.ProcessId;
            var t1 = (ulong)System.Diagnostics.Stopwatch.GetTimestamp() - 2_000_000_000UL;

            // First holder of the pid: forked, exec'd and already gone when the events are handled.
            socket.Enqueue(ConnectorDatagrams.Fork(parent, parent, pid, pid, t1));
            socket.Enqueue(ConnectorDatagrams.Exec(pid, pid, t1 + 1000));
            var first = await Eventually.WaitForAsync(() => events.Find("process-exec", pid), e => e is not null);
            Assert.NotNull(first);
            Assert.True(first.Atalaya!.Partial);
            Assert.Null(first.Process!.Executable);
            Assert.Equal(parent, first.Process.Parent!.Pid);
            Assert.NotNull(first.Process.EntityId);

            // Its exit was lost; the pid is reused one second later: the first holder ends, the second starts.
            socket.Enqueue(ConnectorDatagrams.Fork(parent, parent, pid, pid, t1 + 1_000_000_000UL));
            socket.Enqueue(ConnectorDatagrams.Exec(pid, pid, t1 + 1_000_001_000UL));
            var ended = await Eventually.WaitForAsync(() => events.Find("process-ended", pid), e => e is not null);
            Assert.NotNull(ended);
            Assert.Equal(first.Process.EntityId, ended.Process!.EntityId);
            var second = await Eventually.WaitForAsync(
                () => events.Events.LastOrDefault(e => e.Event.Action == "process-exec" && e.Process!.Pid == pid),
                e => e is not null && e.Process!.EntityId != first.Process.EntityId);
            Assert.NotEqual(first.Process.EntityId, second!.Process!.EntityId);
            Assert.Equal(1, collector.Counters.Get("stale_replaced"));

            // Exit of the second holder; an exit for a pid never seen is counted, not fatal.
            socket.Enqueue(ConnectorDatagrams.Exit(pid, pid, 0, 17, parent, parent, t1 + 2_000_000_000UL));
            socket.Enqueue(ConnectorDatagrams.Exit(pid, pid, 0, 17, parent, parent, t1 + 2_000_000_001UL));
            await Eventually.WaitForAsync(() => collector.Counters.Get("exits_unknown"), n => n >= 1);
            Assert.Equal(2, events.Events.Count(e => e.Event.Action == "process-ended" && e.Process!.Pid == pid));
            Assert.True(collector.Counters.Get("partial") >= 2);
        }
        finally
        {
            await StopAsync(cts, run);
        }
    }

    [Fact]
    public async Task Thread_creation_and_events_for_unknown_processes_change_nothing()
    {
        var socket = new FakeConnectorSocket();
        var (collector, events, cts, run) = await StartAsync(socket);
        try
        {
            var before = events.Events.Count;
            var me = Environment.ProcessId;
            socket.Enqueue(ConnectorDatagrams.Fork(me, me, me + 100_000, me));
            socket.Enqueue(ConnectorDatagrams.Exit(me + 100_000, me, 0, 0, me, me));
            socket.Enqueue(ConnectorDatagrams.Uid(FreePid(), FreePid(), 0, 0));
            socket.Enqueue(ConnectorDatagrams.Ptrace(FreePid(), FreePid(), me, me));
            await Eventually.WaitForAsync(() => socket.Pending, n => n == 0);
            await Eventually.WaitForAsync(() => collector.Counters.Get("events"), n => n >= 4);

            Assert.Equal(2, collector.Counters.Get("thread_events_ignored"));
            Assert.Equal(2, collector.Counters.Get("events_unknown_process"));
            Assert.Equal(before, events.Events.Count);
        }
        finally
        {
            await StopAsync(cts, run);
        }
    }
}
