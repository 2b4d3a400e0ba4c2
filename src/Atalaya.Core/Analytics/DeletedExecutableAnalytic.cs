using Atalaya.Core.Schema;

namespace Atalaya.Core.Analytics;

/// <summary>
/// A process whose executable was deleted from disk (T1070.004, T1036): droppers run their payload and
/// remove the file so nothing is left to scan. Package upgrades do the same to every running daemon
/// (dpkg replaces /usr/sbin/sshd while sshd runs), so where the file lived and when it vanished decide
/// the weight: a system path seen in a snapshot is the upgrade case and stays benign alone; a deleted
/// file under a user-writable or temporary directory, or one already gone at the moment of exec, is not.
/// memfd executables are fileless execution, reported by <see cref="FilelessExecutionAnalytic"/>.
/// </summary>
public sealed class DeletedExecutableAnalytic : IAnalytic
{
    public const string AnalyticId = "atalaya.analytic.deleted-executable";

    private static readonly string[] SystemPrefixes = ["/usr/", "/bin/", "/sbin/", "/lib/", "/lib64/", "/opt/", "/snap/"];

    private readonly SeenOnce _seen = new();

    public string Id => AnalyticId;

    public string Name => "Program runs from a file deleted from disk";

    public IReadOnlyCollection<string> Categories { get; } = [EventCategories.Process];

    public void Observe(EcsEvent value, ISignalSink signals)
    {
        if (!ProcessSignals.IsLive(value) || value.Atalaya?.Process is not { ExecutableDeleted: true } facts
            || facts.Fileless == true || value.Process!.Executable is not { Length: > 0 } executable
            || executable.StartsWith("/memfd:", StringComparison.Ordinal) || !_seen.First(value.Process, "deleted"))
        {
            return;
        }

        var atExec = value.Event.Kind == EventKinds.Event && value.Event.Type.Contains(EventTypes.Start);
        var system = SystemPrefixes.Any(p => executable.StartsWith(p, StringComparison.Ordinal));
        var techniques = new[] { Techniques.FileDeletion, Techniques.Masquerading };
        if (PathClassifier.IsUserWritable(executable) || PathClassifier.HasHiddenDirectory(executable))
        {
            signals.Emit(ProcessSignals.Make(this, value, "user-writable", 70, 0.9, techniques,
                $"{executable} was deleted from a user-writable directory while it runs: the way a dropper hides its payload"));
        }
        else if (atExec && !system)
        {
            signals.Emit(ProcessSignals.Make(this, value, "at-exec", 70, 0.85, techniques,
                $"{executable} was already deleted when the process started: the file was removed right after it was launched"));
        }
        else if (atExec)
        {
            // A system binary gone within milliseconds of its exec: an upgrade racing the exec is rare.
            signals.Emit(ProcessSignals.Make(this, value, "system-at-exec", 45, 0.7, techniques,
                $"{executable} was already deleted when the process started"));
        }
        else
        {
            // 24: benign alone; the usual cause is a package upgrade that left this process on the old file.
            signals.Emit(ProcessSignals.Make(this, value, "deleted", 30, 0.8, [Techniques.FileDeletion],
                $"the executable {executable} was deleted from disk while the process runs (a package upgrade without restart does this)"));
        }
    }
}
