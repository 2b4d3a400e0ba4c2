using Atalaya.Core.Analytics;
using Atalaya.Core.Schema;

namespace Atalaya.Core.Baseline;

/// <summary>
/// After learning, a fact the active baseline does not hold (a new executable or hash, a new
/// parent→child pair, a new destination network for a program, a new listener, a new persistence
/// entry) is a low signal: alone it never makes an alert, but it adds to the score of an entity
/// other analytics already suspect. Quiet until a baseline exists. Each new fact signals once.
/// </summary>
public sealed class FirstSeenAnalytic : IAnalytic
{
    public const string AnalyticId = "atalaya.analytic.first-seen";

    private BaselineSet _baseline;
    private readonly BoundedEntityMap<BaselineKey, bool> _reported;
    private readonly List<BaselineKey> _scratch = [];

    public FirstSeenAnalytic(BaselineSet baseline, int capacity = 65_536)
    {
        _baseline = baseline;
        _reported = new BoundedEntityMap<BaselineKey, bool>(capacity);
    }

    public string Id => AnalyticId;

    /// <summary>Swaps in a new active baseline (learning in <c>run</c> finished); safe from another thread.</summary>
    public void Replace(BaselineSet baseline) => Volatile.Write(ref _baseline, baseline);

    public string Name => "Not in this host's baseline";

    public IReadOnlyCollection<string> Categories { get; } = [EventCategories.Process, EventCategories.Network, EventCategories.Configuration];

    public void Observe(EcsEvent value, ISignalSink signals)
    {
        var baseline = Volatile.Read(ref _baseline);
        if (baseline.Count == 0)
        {
            return;
        }

        _scratch.Clear();
        BaselineFacts.Extract(value, _scratch);

        // A destination has two names (its /24 and, when known, its domain): known by either is known.
        var knownDestination = false;
        foreach (var key in _scratch)
        {
            knownDestination |= key.Kind == BaselineKind.Destination && baseline.Contains(key);
        }

        foreach (var key in _scratch)
        {
            if (baseline.Contains(key) || _reported.TryGetValue(key, out _) || (knownDestination && key.Kind == BaselineKind.Destination))
            {
                continue;
            }

            _reported.Set(key, true);
            signals.Emit(new Signal
            {
                SourceId = $"{Id}.{BaselineKinds.Name(key.Kind)}",
                SourceName = Name,
                EntityKey = value.Process is { } process ? EntityKeys.ForProcess(process) : value.File?.Path ?? key.Value,
                Weight = 30,
                Confidence = 0.5,
                Domain = key.Kind switch
                {
                    BaselineKind.Destination or BaselineKind.Listener => SignalDomain.Network,
                    BaselineKind.Persistence => SignalDomain.Persistence,
                    _ => SignalDomain.Process,
                },
                Detail = $"first seen since baseline version {baseline.Version}: {BaselineKinds.Name(key.Kind)} {key.Value}",
                Timestamp = value.Timestamp,
                Subject = value,
            });
        }
    }
}
