using Atalaya.Core.Schema;

namespace Atalaya.Core.Analytics;

/// <summary>
/// A process hidden from the /proc listing while it exists (T1014): only a rootkit filtering getdents
/// does that. The platform confirms the finding twice before reporting, so it weighs high on its own.
/// </summary>
public sealed class HiddenProcessAnalytic : IAnalytic
{
    public const string AnalyticId = "atalaya.analytic.hidden-process";

    public string Id => AnalyticId;

    public string Name => "Process hidden from the process list";

    public IReadOnlyCollection<string> Categories { get; } = [EventCategories.Process];

    public void Observe(EcsEvent value, ISignalSink signals)
    {
        if (!ProcessSignals.IsLive(value) || value.Atalaya?.Process?.Hidden != true)
        {
            return;
        }

        var process = value.Process!;
        signals.Emit(ProcessSignals.Make(this, value, "hidden", 90, 0.9, [Techniques.Rootkit],
            $"pid {process.Pid} ({process.Executable ?? process.Name ?? "unknown program"}) exists but is missing from the /proc listing: something hides it"));
    }
}
