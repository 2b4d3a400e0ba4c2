using Atalaya.Core.Schema;

namespace Atalaya.Core.Analytics;

/// <summary>
/// A well-known system program name running from a path where that program is never installed:
/// <c>/tmp/.x/sshd</c>, <c>/dev/shm/cron</c>. High on its own (T1036.005): legitimate software
/// has no reason to borrow sshd's name outside /usr/sbin.
/// </summary>
public sealed class MasqueradeAnalytic : IAnalytic
{
    public const string AnalyticId = "atalaya.analytic.masquerade";

    private readonly SystemBinaryCatalog _catalog;

    public MasqueradeAnalytic(SystemBinaryCatalog catalog) => _catalog = catalog;

    public string Id => AnalyticId;

    public string Name => "System program name from an unexpected path";

    public IReadOnlyCollection<string> Categories { get; } = [EventCategories.Process];

    public void Observe(EcsEvent value, ISignalSink signals)
    {
        if (value.Process is not { Executable: { Length: > 0 } executable } process || IsEnd(value))
        {
            return;
        }

        var fileName = PathClassifier.FileName(executable);
        if (_catalog.TryGet(fileName, out var binary) && !binary.IsExpectedPath(executable))
        {
            signals.Emit(Make(value, process, 85, 0.95,
                $"{fileName} runs from {executable}, but the system's {fileName} lives in {string.Join(" or ", binary.Paths)}"));
            return;
        }

        // The kernel's comm is what ps and top show. A binary that renames itself to a system
        // name is masquerading too, but scripts legitimately carry their own name under an
        // interpreter, and busybox answers to every applet name; comm is also cut at 15
        // characters, so only shorter names compare exactly.
        if (process.Name is { Length: > 0 and < 15 } name
            && !string.Equals(name, fileName, StringComparison.Ordinal)
            && !_catalog.IsInterpreter(fileName)
            && !_catalog.IsMultiCall(fileName)
            && _catalog.TryGet(name, out var named)
            && !named.IsExpectedPath(executable))
        {
            signals.Emit(Make(value, process, 75, 0.8,
                $"the process calls itself {name} but its executable is {executable}, not the system's {name}"));
        }
    }

    private static bool IsEnd(EcsEvent value) => value.Event.Type.Contains(EventTypes.End);

    private Signal Make(EcsEvent value, ProcessFields process, int weight, double confidence, string detail) => new()
    {
        SourceId = Id,
        SourceName = Name,
        EntityKey = EntityKeys.ForProcess(process),
        Weight = weight,
        Confidence = confidence,
        Domain = SignalDomain.Process,
        Detail = detail,
        Techniques = [Techniques.MasqueradeMatchName],
        Timestamp = value.Timestamp,
        Subject = value,
    };
}
