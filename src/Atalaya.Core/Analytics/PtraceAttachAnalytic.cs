using Atalaya.Core.Schema;

namespace Atalaya.Core.Analytics;

/// <summary>
/// A process attached to another with ptrace (T1055.008): the way injectors write code into a running
/// process and credential stealers read its memory. A tracer that is an ancestor of its tracee is
/// strace/gdb starting the program it debugs and stays quiet; a known debugger attaching to an unrelated
/// process is noted lightly (people do debug); anything else attaching is weighed high.
/// </summary>
public sealed class PtraceAttachAnalytic : IAnalytic
{
    public const string AnalyticId = "atalaya.analytic.ptrace-attach";

    private readonly ProcessBehaviourCatalog _catalog;
    private readonly SeenOnce _seen = new();

    public PtraceAttachAnalytic(ProcessBehaviourCatalog catalog) => _catalog = catalog;

    public string Id => AnalyticId;

    public string Name => "Process attached to another with ptrace";

    public IReadOnlyCollection<string> Categories { get; } = [EventCategories.Process];

    public void Observe(EcsEvent value, ISignalSink signals)
    {
        if (!ProcessSignals.IsLive(value) || value.Atalaya?.Process is not { TracerPid: { } tracer and > 0 } facts)
        {
            return;
        }

        var process = value.Process!;
        if (process.Parent?.Pid == tracer || (facts.Ancestry ?? []).Any(a => a.Pid == tracer)
            || !_seen.First(process, "tracer:" + tracer.ToString(System.Globalization.CultureInfo.InvariantCulture)))
        {
            return;
        }

        var tracerExe = facts.TracerExecutable;
        var tracerName = tracerExe is null ? null : PathClassifier.FileName(tracerExe);
        var target = process.Executable ?? process.Name ?? $"pid {process.Pid}";
        var who = tracerExe ?? $"pid {tracer}";
        if (tracerExe is not null && (PathClassifier.IsUserWritable(tracerExe) || PathClassifier.HasHiddenDirectory(tracerExe)))
        {
            signals.Emit(ProcessSignals.Make(this, value, "user-writable-tracer", 90, 0.9, [Techniques.PtraceSystemCalls],
                $"{who}, a program in a user-writable place, attached to {target} (pid {process.Pid}) with ptrace"));
        }
        else if (_catalog.IsDebugger(tracerName))
        {
            signals.Emit(ProcessSignals.Make(this, value, "debugger", 40, 0.6, [Techniques.PtraceSystemCalls],
                $"the debugger {who} attached to {target} (pid {process.Pid})"));
        }
        else
        {
            signals.Emit(ProcessSignals.Make(this, value, "attach", 80, 0.85, [Techniques.PtraceSystemCalls],
                $"{who} attached to {target} (pid {process.Pid}) with ptrace; it is not a debugger and not the target's parent"));
        }
    }
}
