using Atalaya.Core.Schema;

namespace Atalaya.Core.Analytics;

/// <summary>Shared pieces of the process analytics: which events they look at and how a signal is shaped.</summary>
internal static class ProcessSignals
{
    /// <summary>
    /// A process that exists (start, exec, state, change, inspection); ends are skipped so a process
    /// that exits is not flagged a second time on its way out.
    /// </summary>
    public static bool IsLive(EcsEvent value) => value.Process is not null && !value.Event.Type.Contains(EventTypes.End);

    /// <summary>
    /// A signal about the event's process. <paramref name="aspect"/> suffixes the analytic's id
    /// (<c>id.aspect</c>); null keeps the bare id, for analytics that only ever say one thing.
    /// </summary>
    public static Signal Make(IAnalytic analytic, EcsEvent value, string? aspect, int weight, double confidence,
        IReadOnlyList<string> techniques, string detail, SignalDomain domain = SignalDomain.Process) =>
        Make(analytic, value, EntityKeys.ForProcess(value.Process!), aspect, weight, confidence, techniques, detail, domain);

    /// <summary>The same signal about another entity (an account, a login source...).</summary>
    public static Signal Make(IAnalytic analytic, EcsEvent value, string entityKey, string? aspect, int weight, double confidence,
        IReadOnlyList<string> techniques, string detail, SignalDomain domain) => new()
    {
        SourceId = aspect is null ? analytic.Id : $"{analytic.Id}.{aspect}",
        SourceName = analytic.Name,
        EntityKey = entityKey,
        Weight = weight,
        Confidence = confidence,
        Domain = domain,
        Detail = detail,
        Techniques = techniques,
        Timestamp = value.Timestamp,
        Subject = value,
    };

    /// <summary>The process's executable file name, else its comm.</summary>
    public static string? ProgramName(ProcessFields process) =>
        process.Executable is { Length: > 0 } exe ? PathClassifier.FileName(exe) : process.Name;

    public static string? ParentProgramName(ProcessFields process) =>
        process.Parent is not { } parent ? null : parent.Executable is { Length: > 0 } exe ? PathClassifier.FileName(exe) : parent.Name;
}

/// <summary>
/// Remembers which (entity, aspect) pairs already produced a signal, so a fact seen again on the same
/// process (a state snapshot after the exec, an inspection event) is not counted twice. Bounded.
/// </summary>
internal sealed class SeenOnce
{
    private readonly BoundedEntityMap<string, bool> _seen;

    public SeenOnce(int capacity = 65_536) => _seen = new BoundedEntityMap<string, bool>(capacity, StringComparer.Ordinal);

    public bool First(ProcessFields process, string aspect)
    {
        var key = EntityKeys.ForProcess(process) + "\n" + aspect;
        if (_seen.TryGetValue(key, out _))
        {
            return false;
        }

        _seen.Set(key, true);
        return true;
    }
}
