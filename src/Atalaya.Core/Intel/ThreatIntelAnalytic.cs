using Atalaya.Core.Analytics;
using Atalaya.Core.Schema;

namespace Atalaya.Core.Intel;

/// <summary>
/// A threat-intelligence indicator matched: the executable's or a written file's SHA-256, or the
/// address or domain a process talks to. The signal carries <see cref="Signal.IndicatorMatch"/>,
/// so the verdict is "confirmed malicious" whatever else is known: someone has already seen this
/// exact file or endpoint used in an attack. The indicators are swapped in whole by the loader
/// (<see cref="Replace"/>) from another thread while the engine reads them.
/// </summary>
public sealed class ThreatIntelAnalytic : IAnalytic
{
    public const string AnalyticId = "atalaya.analytic.threat-intel";

    // A known-bad file on the host arrived from outside (Ingress Tool Transfer); a known-bad
    // endpoint is command and control over an application protocol. ATT&CK has no technique for
    // "matched an indicator", so the alert names what the indicator implies happened.
    private const string IngressToolTransfer = "T1105";

    private IndicatorSet _indicators;

    public ThreatIntelAnalytic(IndicatorSet indicators) => _indicators = indicators;

    public string Id => AnalyticId;

    public string Name => "Threat-intelligence indicator matched";

    public IReadOnlyCollection<string> Categories { get; } = [EventCategories.Process, EventCategories.Network, EventCategories.File];

    public IndicatorSet Indicators => Volatile.Read(ref _indicators);

    public long Matches { get; private set; }

    public void Replace(IndicatorSet indicators) => Volatile.Write(ref _indicators, indicators);

    public void Observe(EcsEvent value, ISignalSink signals)
    {
        var set = Indicators;
        if (set.Count == 0 || value.Event.Type.Contains(EventTypes.End))
        {
            return;
        }

        var process = value.Process;
        if (process?.Hash?.Sha256 is { } processHash && set.TryMatchHash(processHash, out var hit))
        {
            Emit(value, signals, SignalDomain.Process, hit,
                $"the executable {process.Executable ?? process.Name} (pid {process.Pid}) has the SHA-256 {processHash}, listed in {hit.Source}");
        }

        if (value.Event.Category.Contains(EventCategories.Network) && value.Destination is { } destination)
        {
            if (set.TryMatchAddress(destination.Ip, out hit))
            {
                Emit(value, signals, SignalDomain.Network, hit,
                    $"{Who(process)} talks to {destination.Ip} port {destination.Port}, listed in {hit.Source} as {hit.Indicator.Value}");
            }
            else if (set.TryMatchDomain(destination.Domain, out hit))
            {
                Emit(value, signals, SignalDomain.Network, hit,
                    $"{Who(process)} talks to {destination.Domain}, listed in {hit.Source} as {hit.Indicator.Value}");
            }
        }

        if (value.File?.Hash?.Sha256 is { } fileHash && set.TryMatchHash(fileHash, out hit))
        {
            Emit(value, signals, SignalDomain.File, hit,
                $"the file {value.File.Path} has the SHA-256 {fileHash}, listed in {hit.Source}");
        }
    }

    private static string Who(ProcessFields? process) =>
        process is null ? "a process" : $"{process.Name ?? PathClassifier.FileName(process.Executable ?? "?")} (pid {process.Pid})";

    private void Emit(EcsEvent value, ISignalSink signals, SignalDomain domain, IndicatorHit hit, string detail)
    {
        string[] techniques = domain == SignalDomain.Network ? [Techniques.ApplicationLayerProtocol] : [IngressToolTransfer];
        Matches++;
        signals.Emit(new Signal
        {
            SourceId = Id,
            SourceName = Name,
            EntityKey = value.Process is { } process ? EntityKeys.ForProcess(process)
                : value.File?.Path is { } path ? "file:" + path
                : "intel:" + hit.Indicator.Value,
            // An exact indicator match is the strongest evidence there is; the feed's own quality
            // is the operator's choice of feed.
            Weight = 95,
            Confidence = 1.0,
            Domain = domain,
            Detail = detail,
            Techniques = techniques,
            Timestamp = value.Timestamp,
            Subject = value,
            IndicatorMatch = true,
        });
    }
}
