using Atalaya.Core.Schema;

namespace Atalaya.Core.Analytics.Network;

/// <summary>
/// One remote address reaching many local ports in a short window: a port scan of this host
/// (T1046 from the attacker's side; here it says "someone is mapping you"). Only ports with a
/// socket are visible to socket sensors — a SYN to a closed port is answered by the kernel with
/// no socket at all — so the threshold counts ports that accepted; scanners that complete the
/// handshake (connect scans, service probes) show up, and so do half-open probes of open ports.
/// Loopback is excluded: local tools probing local services are not an intrusion.
/// <para>
/// A second count covers scans and floods that never finish the handshake: the sock_diag sensor
/// reports each inbound handshake it sees held half-open (SYN_RECV) as a <c>connection-attempt</c>;
/// many of them from one address within the window (distinct source and local ports) is a
/// half-open (SYN) scan of open ports or a SYN flood, whether or not many ports are involved.
/// </para>
/// </summary>
public sealed class InboundScanAnalytic : IAnalytic
{
    public const string AnalyticId = "atalaya.analytic.inbound-scan";

    private readonly ScanOptions _options;
    private readonly BoundedEntityMap<string, SlidingDistinctCounter<int>> _bySource;
    private readonly BoundedEntityMap<string, SlidingDistinctCounter<(int RemotePort, int LocalPort)>> _halfOpenBySource;

    public InboundScanAnalytic(ScanOptions? options = null)
    {
        _options = options ?? new ScanOptions();
        _bySource = new BoundedEntityMap<string, SlidingDistinctCounter<int>>(_options.Capacity, StringComparer.Ordinal);
        _halfOpenBySource = new BoundedEntityMap<string, SlidingDistinctCounter<(int, int)>>(_options.Capacity, StringComparer.Ordinal);
    }

    public string Id => AnalyticId;

    public string Name => "Inbound port scan";

    public IReadOnlyCollection<string> Categories { get; } = [EventCategories.Network];

    public void Observe(EcsEvent value, ISignalSink signals)
    {
        var attempt = value.Event.Action == ConnectionFacts.ConnectionAttempt;
        if (!ConnectionFacts.IsIngress(value) || !(attempt || ConnectionFacts.IsNewConnection(value))
            || value.Destination?.Ip is not { Length: > 0 } remote || value.Source?.Port is not { } localPort
            || AddressClassifier.Classify(remote) == AddressClass.Loopback)
        {
            return;
        }

        if (!_bySource.TryGetValue(remote, out var ports))
        {
            ports = new SlidingDistinctCounter<int>(_options.Window, _options.InboundPorts * 64);
            _bySource.Set(remote, ports);
        }

        var count = ports.Add(localPort, ConnectionFacts.StartOf(value));
        if (attempt && value.Destination.Port is { } remotePort)
        {
            CountHalfOpen(value, remote, remotePort, localPort, signals);
        }

        if (ports.Reported || count < _options.InboundPorts)
        {
            return;
        }

        ports.Reported = true;
        signals.Emit(new Signal
        {
            SourceId = Id,
            SourceName = Name,
            EntityKey = $"source.ip:{remote}",
            Weight = 55,
            Confidence = 0.85,
            Domain = SignalDomain.Network,
            Detail = $"{remote} connected to {count} different local ports within {_options.Window.TotalSeconds:0} s (latest {localPort}/{value.Network?.Transport})",
            Techniques = ["T1046"],
            Timestamp = value.Timestamp,
            Subject = value,
        });
    }

    private void CountHalfOpen(EcsEvent value, string remote, int remotePort, int localPort, ISignalSink signals)
    {
        if (!_halfOpenBySource.TryGetValue(remote, out var handshakes))
        {
            handshakes = new SlidingDistinctCounter<(int, int)>(_options.Window, _options.InboundHalfOpen * 64);
            _halfOpenBySource.Set(remote, handshakes);
        }

        var count = handshakes.Add((remotePort, localPort), ConnectionFacts.StartOf(value));
        if (handshakes.Reported || count < _options.InboundHalfOpen)
        {
            return;
        }

        handshakes.Reported = true;
        signals.Emit(new Signal
        {
            SourceId = $"{Id}.half-open",
            SourceName = Name,
            EntityKey = $"source.ip:{remote}",
            Weight = 50,
            Confidence = 0.8,
            Domain = SignalDomain.Network,
            Detail = $"{remote} left {count} inbound TCP handshakes unfinished (SYN_RECV) within {_options.Window.TotalSeconds:0} s (latest to local port {localPort}): a half-open scan or a SYN flood",
            Techniques = ["T1046"],
            Timestamp = value.Timestamp,
            Subject = value,
        });
    }
}
