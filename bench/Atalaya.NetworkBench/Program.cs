using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Atalaya.Core.Analytics;
using Atalaya.Core.Analytics.Network;
using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Network;
using Atalaya.Platform.Linux.Network.SockDiag;

// Network benchmarks (issue 5): full inventory cycle with owners, warm cache, for sock_diag vs
// /proc/net vs `ss -tanpi` at ~4,000 and ~10,000 loopback sockets opened here; beacon analysis
// over 1,000,000 connection records. Median of N runs, wall clock, on whatever machine runs it.
const int Runs = 15;

foreach (var connections in new[] { 2000, 5000 })
{
    using var sockets = LoopbackSockets.Open(connections);
    var total = CountSockets();
    var sockDiag = SockDiagConnectionCollector.TryCreate(new SockDiagConnectionCollectorOptions(), TimeProvider.System, null, out var reason)
        ?? throw new InvalidOperationException(reason);
    var procNet = new ProcNetConnectionCollector(new ProcNetConnectionCollectorOptions(), TimeProvider.System, null);
    sockDiag.TakeSnapshot(CancellationToken.None);
    procNet.TakeSnapshot(CancellationToken.None);
    var diag = Median(() => sockDiag.TakeSnapshot(CancellationToken.None));
    var proc = Median(() => procNet.TakeSnapshot(CancellationToken.None));
    var ss = Median(() => RunSs());
    Console.WriteLine($"sockets={total} sock_diag+owners(warm)={diag:0.0} ms  /proc/net+owners(warm)={proc:0.0} ms  ss -tanpi={ss:0.0} ms  ratio sock_diag/ss={diag / ss:0.00}");
    sockDiag.Dispose();
}

Console.WriteLine($"idle CPU, 2,000 established sockets, 1 s interval: {IdleCpu():0.00}% of one core");

var beacon = new BeaconingAnalytic();
var records = BeaconRecords(1_000_000);
var sink = new CountingSink();
var watch = Stopwatch.StartNew();
foreach (var record in records)
{
    beacon.Observe(record, sink);
}

Console.WriteLine($"beacon analysis over {records.Count:N0} records: {watch.Elapsed.TotalMilliseconds:0} ms, {sink.Count} signals, {beacon.TrackedPairs} pairs tracked");

static double Median(Action action)
{
    var times = new List<double>();
    for (var i = 0; i < Runs; i++)
    {
        var watch = Stopwatch.StartNew();
        action();
        times.Add(watch.Elapsed.TotalMilliseconds);
    }

    times.Sort();
    return times[times.Count / 2];
}

static void RunSs()
{
    var info = new ProcessStartInfo("ss") { RedirectStandardOutput = true, UseShellExecute = false };
    foreach (var a in new[] { "-tanpi" })
    {
        info.ArgumentList.Add(a);
    }

    using var process = Process.Start(info)!;
    process.StandardOutput.ReadToEnd();
    process.WaitForExit();
}

static int CountSockets()
{
    var lines = 0;
    foreach (var table in new[] { "tcp", "tcp6", "udp", "udp6" })
    {
        lines += File.ReadAllLines($"/proc/net/{table}").Length - 1;
    }

    return lines;
}

static double IdleCpu()
{
    using var sockets = LoopbackSockets.Open(1000);
    using var collector = SockDiagConnectionCollector.TryCreate(new SockDiagConnectionCollectorOptions { Interval = TimeSpan.FromSeconds(1) }, TimeProvider.System, null, out _)!;
    using var stop = new CancellationTokenSource();
    var publisher = new NullPublisher();
    var run = collector.RunAsync(publisher, stop.Token);
    Thread.Sleep(2000);
    var process = Process.GetCurrentProcess();
    process.Refresh();
    var before = process.TotalProcessorTime;
    var watch = Stopwatch.StartNew();
    Thread.Sleep(20_000);
    process.Refresh();
    var cpu = (process.TotalProcessorTime - before).TotalMilliseconds / watch.Elapsed.TotalMilliseconds * 100;
    stop.Cancel();
    run.Wait();
    return cpu;
}

static List<EcsEvent> BeaconRecords(int count)
{
    var random = new Random(1);
    var list = new List<EcsEvent>(count);
    var start = DateTimeOffset.UnixEpoch;
    for (var i = 0; i < count; i++)
    {
        var pid = random.Next(1, 2000);
        var ip = $"198.51.{random.Next(0, 4)}.{random.Next(1, 250)}";
        var at = start.AddMilliseconds(i * 5 + random.Next(0, 5));
        list.Add(new EcsEvent
        {
            Timestamp = at,
            Event = new EventFields { Kind = EventKinds.Event, Category = [EventCategories.Network], Type = [EventTypes.Connection, EventTypes.Start], Action = "connection-opened", Start = at },
            Process = new ProcessFields { Pid = pid, Executable = "/usr/bin/x", EntityId = $"e{pid}" },
            Source = new EndpointFields { Ip = "10.0.0.5", Port = 40000, Bytes = random.Next(100, 5000) },
            Destination = new EndpointFields { Ip = ip, Port = 443 },
            Network = new NetworkFields { Transport = "tcp", Direction = "egress" },
        });
    }

    return list;
}

internal sealed class CountingSink : ISignalSink
{
    public int Count { get; private set; }

    public void Emit(Signal signal) => Count++;
}

internal sealed class NullPublisher : Atalaya.Core.Pipeline.IEventPublisher
{
    public void Publish(EcsEvent value)
    {
    }
}

/// <summary>Established loopback connection pairs (2 sockets each) plus one listener, closed on dispose.</summary>
internal sealed class LoopbackSockets : IDisposable
{
    private readonly List<Socket> _sockets = [];

    public static LoopbackSockets Open(int connections)
    {
        var result = new LoopbackSockets();
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(4096);
        result._sockets.Add(listener);
        for (var i = 0; i < connections; i++)
        {
            var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            client.Connect(listener.LocalEndPoint!);
            result._sockets.Add(client);
            result._sockets.Add(listener.Accept());
        }

        return result;
    }

    public void Dispose()
    {
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }
    }
}
