using Atalaya.Core.Schema;

namespace Atalaya.Core.Analytics;

/// <summary>
/// Where a program runs from: a temporary directory or a hidden directory. Each is weak alone
/// (installers and build tools run from /tmp every day) and is scored to matter only when it
/// combines with other signals on the same process. A file deleted while it runs is weighed by
/// <see cref="DeletedExecutableAnalytic"/>, which knows package upgrades.
/// </summary>
public sealed class ExecutionPathAnalytic : IAnalytic
{
    public const string AnalyticId = "atalaya.analytic.execution-path";

    public string Id => AnalyticId;

    public string Name => "Program runs from a suspicious location";

    public IReadOnlyCollection<string> Categories { get; } = [EventCategories.Process];

    public void Observe(EcsEvent value, ISignalSink signals)
    {
        if (value.Process is not { Executable: { Length: > 0 } executable } || value.Event.Type.Contains(EventTypes.End))
        {
            return;
        }

        if (PathClassifier.TemporaryRoot(executable) is { } root)
        {
            // 35 × 0.9 ≈ 32: "low risk" alone, enough to lift any second signal.
            signals.Emit(ProcessSignals.Make(this, value, "temporary-directory", 35, 0.9, [],
                $"{PathClassifier.FileName(executable)} runs from the temporary directory {root} ({executable})"));
        }

        if (PathClassifier.HasHiddenDirectory(executable))
        {
            signals.Emit(ProcessSignals.Make(this, value, "hidden-directory", 45, 0.8, [Techniques.HiddenFilesAndDirectories],
                $"{executable} sits in a hidden directory (a path segment starting with a dot)"));
        }
    }
}
