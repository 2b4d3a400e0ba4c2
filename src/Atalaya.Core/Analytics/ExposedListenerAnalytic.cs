using Atalaya.Core.Schema;

namespace Atalaya.Core.Analytics;

/// <summary>
/// A program from a user-writable place (a temp or home directory) listening on every interface:
/// the shape of a bind shell or an implant's control port (T1571). Real services listen from
/// package-installed paths; developers' servers usually bind loopback.
/// </summary>
public sealed class ExposedListenerAnalytic : IAnalytic
{
    public const string AnalyticId = "atalaya.analytic.exposed-listener";

    public string Id => AnalyticId;

    public string Name => "User-writable program listening on all interfaces";

    public IReadOnlyCollection<string> Categories { get; } = [EventCategories.Network];

    public void Observe(EcsEvent value, ISignalSink signals)
    {
        if (value.Network?.Direction != "listening"
            || value.Atalaya?.Network?.Exposure != "all-interfaces"
            || value.Event.Type.Contains(EventTypes.End)
            || value.Process is not { Executable: { Length: > 0 } executable }
            || !PathClassifier.IsUserWritable(executable))
        {
            return;
        }

        var port = value.Source?.Port;
        signals.Emit(ProcessSignals.Make(this, value, null, 60, 0.9, [Techniques.NonStandardPort],
            $"{PathClassifier.FileName(executable)} from the user-writable path {executable} listens on all interfaces, {value.Network.Transport} port {port}", SignalDomain.Network));
    }
}
