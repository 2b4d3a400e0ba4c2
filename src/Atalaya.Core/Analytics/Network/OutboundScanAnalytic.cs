using Atalaya.Core.Schema;

namespace Atalaya.Core.Analytics.Network;

/// <summary>
/// One process trying many destinations (address and port) in a short window, or failing to
/// connect many times: discovery from this host (T1046), the step after a foothold. Browsers and
/// package managers fan out too but succeed and reuse few ports; failures weigh most.
/// </summary>
public sealed class OutboundScanAnalytic : IAnalytic
{
    public const string AnalyticId = "atalaya.analytic.outbound-scan";

    private readonly ScanOptions _options;
    private readonly BoundedEntityMap<string, State> _byProcess;

    public OutboundScanAnalytic(ScanOptions? options = null)
    {
        _options = options ?? new ScanOptions();
        _byProcess = new BoundedEntityMap<string, State>(_options.Capacity, StringComparer.Ordinal);
    }

    public string Id => AnalyticId;

    public string Name => "Outbound scan or fan-out";

    public IReadOnlyCollection<string> Categories { get; } = [EventCategories.Network];

    public void Observe(EcsEvent value, ISignalSink signals)
    {
        if (!ConnectionFacts.IsEgress(value) || !ConnectionFacts.IsNewConnection(value)
            || value.Process is not { } process || value.Destination is not { Ip: { Length: > 0 } ip, Port: { } port })
        {
            return;
        }

        var key = EntityKeys.ForProcess(process);
        if (!_byProcess.TryGetValue(key, out var state))
        {
            state = new State(
                new SlidingDistinctCounter<(string, int)>(_options.Window, _options.OutboundDestinations * 64),
                new SlidingDistinctCounter<(string, int)>(_options.Window, _options.OutboundFailures * 64));
            _byProcess.Set(key, state);
        }

        var at = ConnectionFacts.StartOf(value);
        var destinations = state.Destinations.Add((ip, port), at);
        var failures = ConnectionFacts.IsFailed(value) ? state.Failures.Add((ip, port), at) : state.Failures.Count;
        if (state.Destinations.Reported || (destinations < _options.OutboundDestinations && failures < _options.OutboundFailures))
        {
            return;
        }

        state.Destinations.Reported = true;
        signals.Emit(new Signal
        {
            SourceId = Id,
            SourceName = Name,
            EntityKey = key,
            Weight = failures >= _options.OutboundFailures ? 60 : 45,
            Confidence = 0.8,
            Domain = SignalDomain.Network,
            Detail = $"{ConnectionFacts.ProcessLabel(process)} tried {destinations} different destinations within {_options.Window.TotalSeconds:0} s, {failures} of them refused or unreachable (latest {ConnectionFacts.DestinationLabel(value)} port {port})",
            Techniques = ["T1046"],
            Timestamp = value.Timestamp,
            Subject = value,
        });
    }

    private sealed record State(SlidingDistinctCounter<(string, int)> Destinations, SlidingDistinctCounter<(string, int)> Failures);
}
