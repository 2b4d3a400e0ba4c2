using Atalaya.Core.Schema;

namespace Atalaya.Core.Analytics;

/// <summary>How signals name the entity they are about, so signals from different sources meet.</summary>
public static class EntityKeys
{
    /// <summary>
    /// The process entity id when known; otherwise pid plus executable, which is unique enough
    /// for the lifetime of one process and never merges two different programs.
    /// </summary>
    public static string ForProcess(ProcessFields process) =>
        process.EntityId is { Length: > 0 } id ? id : $"pid:{process.Pid}:{process.Executable}";
}
