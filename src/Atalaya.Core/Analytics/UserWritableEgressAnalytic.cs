using Atalaya.Core.Schema;

namespace Atalaya.Core.Analytics;

/// <summary>
/// A program from a user-writable place holding a connection to a public address: the
/// dropped-payload-calls-home shape. Medium-low alone (developer tools do this), meant to
/// combine with path and persistence signals.
/// </summary>
public sealed class UserWritableEgressAnalytic : IAnalytic
{
    public const string AnalyticId = "atalaya.analytic.user-writable-egress";

    private readonly Network.InternalNetworks _internal;

    /// <param name="internalNetworks">Blocks counted as internal (not public) beyond the private ranges.</param>
    public UserWritableEgressAnalytic(Network.InternalNetworks? internalNetworks = null) =>
        _internal = internalNetworks ?? Network.InternalNetworks.None;

    public string Id => AnalyticId;

    public string Name => "User-writable program talking to a public address";

    public IReadOnlyCollection<string> Categories { get; } = [EventCategories.Network];

    public void Observe(EcsEvent value, ISignalSink signals)
    {
        if (value.Network?.Direction != "egress"
            || value.Event.Type.Contains(EventTypes.End)
            || value.Process is not { Executable: { Length: > 0 } executable }
            || !PathClassifier.IsUserWritable(executable)
            || !_internal.IsPublic(value.Destination?.Ip))
        {
            return;
        }

        signals.Emit(ProcessSignals.Make(this, value, null, 45, 0.8, [Techniques.ApplicationLayerProtocol],
            $"{PathClassifier.FileName(executable)} from {executable} is connected to the public address {Network.ConnectionFacts.DestinationLabel(value)} port {value.Destination?.Port}", SignalDomain.Network));
    }
}
