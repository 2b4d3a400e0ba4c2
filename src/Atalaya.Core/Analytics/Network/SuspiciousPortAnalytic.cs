using Atalaya.Core.Schema;

namespace Atalaya.Core.Analytics.Network;

/// <summary>
/// Outbound connections to ports of mining pools (T1496) or Tor relays and the Tor SOCKS port
/// (T1090.003), from the port catalog. A port is weak evidence on its own (4444 and 5555 are
/// used by many things), so the weight is moderate and the signal is meant to combine with
/// process signals; loopback is skipped except for the Tor SOCKS ports, where a local Tor
/// client being used is the fact worth knowing.
/// </summary>
public sealed class SuspiciousPortAnalytic : IAnalytic
{
    public const string AnalyticId = "atalaya.analytic.suspicious-port";

    private readonly PortCatalog _ports;
    private readonly BoundedEntityMap<(string, string, int), bool> _reported = new(16_384);

    public SuspiciousPortAnalytic(PortCatalog ports) => _ports = ports;

    public string Id => AnalyticId;

    public string Name => "Connection to a mining-pool or Tor port";

    public IReadOnlyCollection<string> Categories { get; } = [EventCategories.Network];

    public void Observe(EcsEvent value, ISignalSink signals)
    {
        if (!ConnectionFacts.IsEgress(value) || value.Event.Type.Contains(EventTypes.End) && !ConnectionFacts.IsNewConnection(value)
            || value.Destination is not { Ip: { Length: > 0 } ip, Port: { } port }
            || !_ports.TryGet(port, out var entry) || entry.Category is not ("mining" or "tor"))
        {
            return;
        }

        var loopback = AddressClassifier.Classify(ip) == AddressClass.Loopback;
        if (loopback && !(entry.Category == "tor" && port is 9050 or 9150))
        {
            return;
        }

        var process = value.Process;
        var key = (process is null ? "?" : EntityKeys.ForProcess(process), ip, port);
        if (_reported.TryGetValue(key, out _))
        {
            return;
        }

        _reported.Set(key, true);
        var mining = entry.Category == "mining";
        signals.Emit(new Signal
        {
            SourceId = Id,
            SourceName = Name,
            EntityKey = process is null ? $"destination:{ip}:{port}" : EntityKeys.ForProcess(process),
            Weight = mining ? 45 : 40,
            Confidence = 0.6,
            Domain = SignalDomain.Network,
            Detail = $"{ConnectionFacts.ProcessLabel(process)} connected to {ConnectionFacts.DestinationLabel(value)} port {port}, a {entry.Label} port",
            Techniques = [mining ? "T1496" : "T1090.003"],
            Timestamp = value.Timestamp,
            Subject = value,
        });
    }
}
