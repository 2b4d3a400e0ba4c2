using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Resources;
using Atalaya.TestKit;

namespace Atalaya.Platform.Linux.Tests.Resources;

public sealed class ResourceCollectorTests
{
    [Fact]
    public async Task A_busy_real_process_is_in_the_top_list_with_its_cpu_share()
    {
        using var spinner = SpawnedProcess.Start("/bin/sh", ["-c", "while :; do :; done"]);
        using var sleeper = SpawnedProcess.Start("/usr/bin/sleep", ["60"]);
        var collector = new ResourceCollector(new ResourceCollectorOptions { TopProcesses = 50 }, TimeProvider.System, new HostFields { Name = "h" }, bootId: "boot-1");
        var output = new Collect();

        collector.Sample(output);
        Assert.Empty(output.Events);
        await Task.Delay(1000);
        collector.Sample(output);

        var host = Assert.Single(output.Events, e => e.Event.Action == ResourceCollector.ActionSample);
        Assert.Equal((EventKinds.Metric, EventCategories.Host, Datasets.Metrics), (host.Event.Kind, host.Event.Category[0], host.Event.Dataset));
        var metrics = host.Atalaya!.Metrics!;
        var sum = metrics.CpuUserPct + metrics.CpuSystemPct + metrics.CpuIdlePct + metrics.CpuIowaitPct + metrics.CpuStealPct;
        Assert.InRange(sum!.Value, 99, 101);
        Assert.InRange(host.Host!.Cpu!.Usage!.Value, 0, 1);
        Assert.True(metrics.MemoryTotalBytes > 0);
        Assert.True(metrics.MemoryAvailableBytes > 0);
        Assert.NotNull(metrics.Load1);
        Assert.Equal("h", host.Host.Name);

        var sample = Assert.Single(output.Events, e => e.Event.Action == ResourceCollector.ActionProcessSample && e.Process?.Pid == spinner.Pid);
        Assert.Equal(new FileInfo($"/proc/{spinner.Pid}/exe").LinkTarget, sample.Process!.Executable);
        Assert.Equal("sh", sample.Process.Name);
        Assert.NotNull(sample.Process.EntityId);
        // How much of a core the spinner gets depends on whatever else shares the machine, so the
        // test compares it with an idle process sampled over the same second instead of a fixed band.
        var busy = sample.Atalaya!.Metrics!.ProcessCpuPct!.Value;
        var idle = output.Events.FirstOrDefault(e => e.Event.Action == ResourceCollector.ActionProcessSample && e.Process?.Pid == sleeper.Pid)
            ?.Atalaya?.Metrics?.ProcessCpuPct ?? 0;
        Assert.InRange(busy, 0.5, 101);
        Assert.True(busy > idle, $"spinner {busy} % vs sleeper {idle} %");
        Assert.True(sample.Atalaya.Metrics.ProcessRssBytes > 0);
    }

    [Fact]
    public async Task An_iowait_counter_going_backwards_reads_as_zero_not_as_a_huge_share()
    {
        // proc(5) warns that iowait can decrease between two reads; the other fields here add up to 100 %.
        using var proc = new TempDirectory();
        proc.WriteFile("stat", "cpu  100 0 100 1000 500 0 0 0 0 0\n");
        var collector = new ResourceCollector(new ResourceCollectorOptions { ProcRoot = proc.Path }, TimeProvider.System, new HostFields { Name = "h" }, bootId: "boot-1");
        var output = new Collect();
        collector.Sample(output);
        proc.WriteFile("stat", "cpu  150 0 150 1900 400 0 0 0 0 0\n");
        await Task.Delay(20);
        collector.Sample(output);

        var metrics = Assert.Single(output.Events, e => e.Event.Action == ResourceCollector.ActionSample).Atalaya!.Metrics!;
        Assert.Equal(0, metrics.CpuIowaitPct);
        Assert.Equal((5.56, 5.56, 100.0), (metrics.CpuUserPct, metrics.CpuSystemPct, metrics.CpuIdlePct));
    }

    [Fact]
    public void Summary_averages_shares_and_sums_bytes()
    {
        var summary = ResourceCollector.Summarize(
            [
                new AtalayaMetricsFields { CpuUserPct = 10, CpuIdlePct = 90, DiskReadBytes = 100, MemoryAvailableBytes = 10, MemoryTotalBytes = 50, Load1 = 1 },
                new AtalayaMetricsFields { CpuUserPct = 30, CpuIdlePct = 70, DiskReadBytes = 50, MemoryAvailableBytes = 20, MemoryTotalBytes = 50, Load1 = 2 },
            ], 60);
        Assert.Equal((20.0, 80.0, 150L, 15L, 50L, 2.0, 60.0),
            (summary.CpuUserPct, summary.CpuIdlePct, summary.DiskReadBytes, summary.MemoryAvailableBytes, summary.MemoryTotalBytes, summary.Load1, summary.IntervalSeconds));
        Assert.Null(summary.DiskWriteBytes);
    }

    private sealed class Collect : IEventPublisher
    {
        public List<EcsEvent> Events { get; } = [];

        public void Publish(EcsEvent value) => Events.Add(value);
    }
}
