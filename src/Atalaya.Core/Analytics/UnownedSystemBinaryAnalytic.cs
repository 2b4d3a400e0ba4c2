using Atalaya.Core.Schema;

namespace Atalaya.Core.Analytics;

/// <summary>
/// An executable in a system binary directory that no package owns: on a package-managed host
/// everything in /usr/bin and /usr/sbin arrives through the package manager, so a new or changed one
/// that did not is how droppers hide among real tools (T1036.005) and how binaries get replaced
/// outside the package manager (T1554).
/// </summary>
/// <remarks>
/// False positives and their handling: a package manager's own writes (new files land before the file
/// list is updated) are skipped when the writer is known; with an unknown writer (inotify) confidence
/// drops. Hand-installed tools (curl | sh installers, make install with prefix /usr) are real but
/// legitimate: medium, not high. A scan's inventory of unowned executables (state) is low: it lists
/// what is there, not something that just happened. /usr/local/bin is never package-owned by design
/// and is not treated as a system directory here.
/// </remarks>
public sealed class UnownedSystemBinaryAnalytic : IAnalytic
{
    public const string AnalyticId = "atalaya.analytic.unowned-system-binary";

    private static readonly string[] SystemDirectories = ["/usr/bin/", "/usr/sbin/", "/bin/", "/sbin/", "/usr/libexec/", "/usr/lib/systemd/"];

    public string Id => AnalyticId;

    public string Name => "Executable in a system directory not owned by any package";

    public IReadOnlyCollection<string> Categories { get; } = [EventCategories.File];

    public void Observe(EcsEvent value, ISignalSink signals)
    {
        if (value.File?.Path is not { Length: > 0 } path
            || value.Atalaya?.File is not { Executable: true, Package: null }
            || !IsSystemDirectory(path))
        {
            return;
        }

        var live = FileSignals.IsLiveWrite(value);
        var inventory = value.Event.Kind == EventKinds.State;
        if ((!live && !inventory) || (live && FileSignals.IsPackageManagerWriter(value)))
        {
            return;
        }

        double confidence;
        int weight;
        string detail;
        if (inventory)
        {
            // 55 × 0.8 = 44: low; reported by scan without failing the default --fail-on medium.
            (weight, confidence) = (55, 0.8);
            detail = $"{path} is an executable that no installed package owns";
        }
        else
        {
            // Known non-package writer: 65 × 0.9 ≈ 59 (medium); unknown writer: 65 × 0.6 = 39 (low).
            (weight, confidence) = (65, value.Process is { Pid: > 0 } ? 0.9 : 0.6);
            detail = $"{path} was {(value.Event.Type.Contains(EventTypes.Creation) ? "created" : "changed")} {FileSignals.Writer(value)} and no installed package owns it";
        }

        signals.Emit(new Signal
        {
            SourceId = Id,
            SourceName = Name,
            EntityKey = inventory ? "file:" + path : FileSignals.EntityKey(value, path),
            Weight = weight,
            Confidence = confidence,
            Domain = SignalDomain.File,
            Detail = detail,
            Techniques = [Techniques.MasqueradeMatchName, Techniques.CompromiseHostSoftwareBinary],
            Timestamp = value.Timestamp,
            Subject = value,
        });
    }

    private static bool IsSystemDirectory(string path)
    {
        foreach (var directory in SystemDirectories)
        {
            if (path.StartsWith(directory, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
