using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Atalaya.Core.Analytics;
using Atalaya.Core.Analytics.Network;
using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Network.Names;
using Atalaya.Platform.Linux.Network.SockDiag;
using Atalaya.Platform.Linux.Packages;
using Atalaya.TestKit;
using Xunit.Abstractions;

namespace Atalaya.Platform.Linux.Tests.Network;

/// <summary>
/// Listener exposure on real sockets with the real dpkg database: the packaged python3 listening
/// on all interfaces is not "unpackaged"; a copy of it in a directory no package owns is.
/// </summary>
[Collection(NetworkScenarioCollection.Name)]
public sealed class ListenerExposureLiveTests(ITestOutputHelper output)
{
    private const string ListenScript = """
        import socket, sys, time
        s = socket.socket()
        s.bind(("0.0.0.0", 0))
        s.listen(8)
        print("port", s.getsockname()[1], flush=True)
        time.sleep(60)
        """;

    [SkippableFact]
    public async Task A_copy_of_python_no_package_owns_listening_on_all_interfaces_is_reported_and_the_packaged_one_is_not()
    {
        var dpkg = new DpkgDatabase();
        Skip.IfNot(dpkg.IsAvailable, "no dpkg database on this host");
        Skip.IfNot(File.Exists("/usr/bin/python3"), "python3 is not installed");
        var real = new FileInfo("/usr/bin/python3").ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? "/usr/bin/python3";
        Skip.If(dpkg.FindOwner(real) is null, $"{real} is not owned by a package here");

        // Under /opt, which is not user-writable, so only the unpackaged finding applies.
        var directory = Path.Combine("/opt", $"atalaya-test-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        try
        {
            var copy = Path.Combine(directory, "pyagent");
            File.Copy(real, copy);
            File.SetUnixFileMode(copy, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

            using var naming = new NetworkNaming("/", "/proc", TimeProvider.System, ports: null, packageOwner: path => dpkg.FindOwner(path)?.Name, sniffDns: false, reverseDns: false);
            var collector = SockDiagConnectionCollector.TryCreate(
                new SockDiagConnectionCollectorOptions { Interval = TimeSpan.FromMilliseconds(100), Enrich = naming.Enrich }, TimeProvider.System, null, out var reason);
            Skip.If(collector is null, $"sock_diag unavailable: {reason}");
            using var owned = collector;
            var recorder = new Recorder(new ListenerExposureAnalytic());
            using var stop = new CancellationTokenSource();
            var run = collector!.RunAsync(recorder, stop.Token);

            using var packaged = SpawnedProcess.Start(real, ["-c", ListenScript], redirectOutput: true);
            using var unpackaged = SpawnedProcess.Start(copy, ["-c", ListenScript], redirectOutput: true);
            var packagedPort = await PortOf(packaged);
            var unpackagedPort = await PortOf(unpackaged);

            var signal = await Eventually.WaitForAsync(() => recorder.Signals(s => s.Subject?.Source?.Port == unpackagedPort) is [var s, ..] ? s : null, s => s is not null);
            var packagedListener = await Eventually.WaitForAsync(
                () => recorder.Events(e => e.Network?.Direction == "listening" && e.Source?.Port == packagedPort) is [var e, ..] ? e : null, e => e is not null);
            await stop.CancelAsync();
            await run.WaitAsync(TimeSpan.FromSeconds(30));

            output.WriteLine(signal?.Detail ?? "no signal");
            Assert.NotNull(signal);
            Assert.Equal($"{ListenerExposureAnalytic.AnalyticId}.unpackaged", signal.SourceId);
            Assert.Contains($"pyagent ({copy}), which no installed package owns, listens on all interfaces, tcp port {unpackagedPort.ToString(CultureInfo.InvariantCulture)}", signal.Detail, StringComparison.Ordinal);
            Assert.False(signal.Subject?.Atalaya?.Process?.Packaged);

            Assert.NotNull(packagedListener);
            Assert.True(packagedListener.Atalaya?.Process?.Packaged);
            Assert.StartsWith("python3", packagedListener.Atalaya?.Process?.Package, StringComparison.Ordinal);
            Assert.Empty(recorder.Signals(s => s.Subject?.Source?.Port == packagedPort));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<int> PortOf(SpawnedProcess process)
    {
        var line = await Eventually.WaitForAsync(
            () => process.StandardOutput.Split('\n').FirstOrDefault(l => l.StartsWith("port ", StringComparison.Ordinal)),
            l => l is not null || process.HasExited);
        Assert.NotNull(line);
        return int.Parse(line.AsSpan(5).Trim(), CultureInfo.InvariantCulture);
    }

    private sealed class Recorder(IAnalytic analytic) : IEventPublisher, ISignalSink
    {
        private readonly Lock _gate = new();
        private readonly List<EcsEvent> _events = [];
        private readonly List<Signal> _signals = [];

        public void Publish(EcsEvent value)
        {
            lock (_gate)
            {
                _events.Add(value);
                analytic.Observe(value, this);
            }
        }

        public void Emit(Signal signal) => _signals.Add(signal);

        public IReadOnlyList<EcsEvent> Events(Func<EcsEvent, bool> match)
        {
            lock (_gate)
            {
                return [.. _events.Where(match)];
            }
        }

        public IReadOnlyList<Signal> Signals(Func<Signal, bool> match)
        {
            lock (_gate)
            {
                return [.. _signals.Where(match)];
            }
        }
    }
}
