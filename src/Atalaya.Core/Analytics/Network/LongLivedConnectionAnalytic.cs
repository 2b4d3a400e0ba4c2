using Atalaya.Core.Schema;

namespace Atalaya.Core.Analytics.Network;

/// <summary>
/// A connection to a non-loopback address held for an hour or more by a program that is not a
/// system service: the shape of an interactive C2 channel or a reverse tunnel. Services (sshd,
/// systemd units, anything run from /usr/sbin or /usr/lib) hold long connections by design, and
/// so do browsers and chat clients — hence low weight, to combine with other signals. Open
/// connections are remembered (bounded) and checked as later events arrive, and closes carry
/// their duration.
/// </summary>
public sealed class LongLivedConnectionAnalytic : IAnalytic
{
    public const string AnalyticId = "atalaya.analytic.long-lived-connection";

    private static readonly string[] ServicePrefixes = ["/usr/sbin/", "/sbin/", "/usr/lib/", "/lib/", "/usr/libexec/"];

    private readonly TimeSpan _threshold;
    private readonly BoundedEntityMap<string, (EcsEvent Opened, DateTimeOffset Start)> _open = new(16_384, StringComparer.Ordinal);
    private readonly HashSet<string> _reported = new(StringComparer.Ordinal);
    private DateTimeOffset _nextSweep;

    public LongLivedConnectionAnalytic(TimeSpan? threshold = null) => _threshold = threshold ?? TimeSpan.FromHours(1);

    public string Id => AnalyticId;

    public string Name => "Long-lived connection from a non-service program";

    public IReadOnlyCollection<string> Categories { get; } = [EventCategories.Network];

    public void Observe(EcsEvent value, ISignalSink signals)
    {
        if (value.Network?.Transport != "tcp" || value.Process is not { } process || IsService(process)
            || value.Destination?.Ip is not { Length: > 0 } ip || AddressClassifier.Classify(ip) == AddressClass.Loopback)
        {
            Sweep(value.Timestamp, signals);
            return;
        }

        var key = $"{EntityKeys.ForProcess(process)}|{value.Source?.Port}|{ip}|{value.Destination.Port}";
        if (value.Event.Action == "connection-opened")
        {
            _open.Set(key, (value, ConnectionFacts.StartOf(value)));
        }
        else if (value.Event.Action == "connection-closed")
        {
            _open.Remove(key);
            if (value.Event.Start is { } start && value.Timestamp - start >= _threshold && _reported.Add(key))
            {
                Emit(value, value.Timestamp - start, signals);
            }
        }

        Sweep(value.Timestamp, signals);
    }

    private void Sweep(DateTimeOffset now, ISignalSink signals)
    {
        if (now < _nextSweep)
        {
            return;
        }

        _nextSweep = now + TimeSpan.FromMinutes(1);
        List<string>? done = null;
        foreach (var (opened, start) in _open.Values)
        {
            if (now - start < _threshold)
            {
                continue;
            }

            var process = opened.Process!;
            var key = $"{EntityKeys.ForProcess(process)}|{opened.Source?.Port}|{opened.Destination?.Ip}|{opened.Destination?.Port}";
            (done ??= []).Add(key);
            if (_reported.Add(key))
            {
                Emit(opened, now - start, signals);
            }
        }

        foreach (var key in done ?? [])
        {
            _open.Remove(key);
        }

        // Reported keys only guard against a second signal for the same connection; forget them in bulk.
        if (_reported.Count > 65_536)
        {
            _reported.Clear();
        }
    }

    private void Emit(EcsEvent value, TimeSpan held, ISignalSink signals) => signals.Emit(new Signal
    {
        SourceId = Id,
        SourceName = Name,
        EntityKey = EntityKeys.ForProcess(value.Process!),
        Weight = 30,
        Confidence = 0.6,
        Domain = SignalDomain.Network,
        Detail = $"{ConnectionFacts.ProcessLabel(value.Process)} has held a connection to {ConnectionFacts.DestinationLabel(value)} port {value.Destination?.Port} for {held.TotalHours:0.0} h",
        Techniques = [Techniques.ApplicationLayerProtocol],
        Timestamp = value.Timestamp,
        Subject = value,
    });

    private static bool IsService(ProcessFields process) =>
        process.Executable is { } path && ServicePrefixes.Any(p => path.StartsWith(p, StringComparison.Ordinal));
}
