using System.Diagnostics;
using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Network;
using Atalaya.Platform.Linux.Network.SockDiag;

/// <summary>
/// The steady-state inventory cycle of <c>atalaya run</c> (what one poll interval costs): four
/// sock_diag dumps, rows, owners, roles, and the lifecycle diff with nothing new — measured in
/// sections with Stopwatch, beside `ss -tanpi` in the same run (the load-robust ratio).
/// </summary>
internal static class CycleBench
{
    private const int Runs = 25;

    public static void Run(int connections)
    {
        using var sockets = LoopbackSockets.Open(connections);
        using var collector = SockDiagConnectionCollector.TryCreate(new SockDiagConnectionCollectorOptions(), TimeProvider.System, null, out var reason)
            ?? throw new InvalidOperationException(reason);
        var counters = new CollectorCounters();
        var lifecycle = new ConnectionLifecycle(new NetworkEventBuilder(null, counters), "bench");
        var emitted = 0;
        void Emit(EcsEvent e) => emitted++;
        lifecycle.Start(collector.ReadInventory(), DateTimeOffset.UtcNow, Emit);
        var before = collector.Owners.ProcessesScanned;

        // Warm: JIT and the owner map.
        for (var i = 0; i < 3; i++)
        {
            lifecycle.Update(collector.ReadInventory(), DateTimeOffset.UtcNow, 2, Emit);
        }

        // Back to back: process CPU per cycle (ss is a child process, not counted), and sections.
        collector.Sections.Reset();
        var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var ownerReadsBefore = collector.OwnerReads;
        var backToBack = Stopwatch.StartNew();
        for (var i = 0; i < Runs * 2; i++)
        {
            lifecycle.Update(collector.ReadInventory(), DateTimeOffset.UtcNow, 2, Emit);
        }

        process.Refresh();
        var cpuPerCycle = (process.TotalProcessorTime - cpuBefore).TotalMilliseconds / (Runs * 2);
        var wallPerCycle = backToBack.Elapsed.TotalMilliseconds / (Runs * 2);
        var allocatedPerCycle = (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / (Runs * 2) / 1024.0;
        var ownerReads = (collector.OwnerReads - ownerReadsBefore) / (double)(Runs * 2);
        var sectionText = collector.Sections.ToString();
        var gcBefore = GC.CollectionCount(0);

        var cycles = new List<double>();
        var ssTimes = new List<double>();
        var sockets0 = 0;
        for (var i = 0; i < Runs; i++)
        {
            // Interleaved with ss so both see the same load.
            var watch = Stopwatch.StartNew();
            var inventory = collector.ReadInventory();
            lifecycle.Update(inventory, DateTimeOffset.UtcNow, 2, Emit);
            cycles.Add(watch.Elapsed.TotalMilliseconds);
            sockets0 = inventory.Count;
            watch.Restart();
            RunSs();
            ssTimes.Add(watch.Elapsed.TotalMilliseconds);
        }

        cycles.Sort();
        ssTimes.Sort();
        var cycle = cycles[Runs / 2];
        var ss = ssTimes[Runs / 2];
        Console.WriteLine($"load {File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine($"connections={connections} reported sockets={sockets0}: cycle median {cycle:0.00} ms (min {cycles[0]:0.00}, p90 {cycles[(int)(Runs * 0.9)]:0.00}), ss -tanpi median {ss:0.0} ms (min {ssTimes[0]:0.0}), ratio cycle/ss = {cycle / ss:0.000}; fd tables read after warm-up {collector.Owners.ProcessesScanned - before}; events {emitted}");
        Console.WriteLine($"  back to back: {wallPerCycle:0.00} ms wall, {cpuPerCycle:0.00} ms process CPU per cycle, {allocatedPerCycle:0} KiB allocated per cycle, {ownerReads:0.0} owner reads per cycle; sections {sectionText}; gen0 GCs during the interleaved runs {GC.CollectionCount(0) - gcBefore}");
    }

    private static void RunSs()
    {
        var info = new ProcessStartInfo("ss") { RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add("-tanpi");
        using var process = Process.Start(info)!;
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
    }
}
