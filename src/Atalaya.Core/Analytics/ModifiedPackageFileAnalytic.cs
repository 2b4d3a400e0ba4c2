using Atalaya.Core.Schema;

namespace Atalaya.Core.Analytics;

/// <summary>
/// A file whose content no longer matches the digest its package recorded: a trojaned binary or
/// library (T1554). The platform only sets <c>atalaya.file.package_verified = false</c> when the file is
/// not a conffile (admins edit those) and no package manager is mid-upgrade, so a mismatch is rare and
/// scored high. A non-executable data file that differs scores lower: some packages rewrite their own
/// data files (caches, compiled bytecode) after installation.
/// </summary>
public sealed class ModifiedPackageFileAnalytic : IAnalytic
{
    public const string AnalyticId = "atalaya.analytic.package-file-modified";

    public string Id => AnalyticId;

    public string Name => "Package file modified after installation";

    public IReadOnlyCollection<string> Categories { get; } = [EventCategories.File];

    public void Observe(EcsEvent value, ISignalSink signals)
    {
        if (value.Atalaya?.File is not { PackageVerified: false } facts || value.File?.Path is not { Length: > 0 } path)
        {
            return;
        }

        var executable = facts.Executable == true || IsSharedLibrary(path);
        var live = value.Event.Kind == EventKinds.Event ? " " + FileSignals.Writer(value) : string.Empty;
        signals.Emit(new Signal
        {
            SourceId = Id,
            SourceName = Name,
            EntityKey = "file:" + path,
            // 90 × 0.95 ≈ 86: high on its own.
            Weight = executable ? 90 : 70,
            Confidence = 0.95,
            Domain = SignalDomain.File,
            Detail = $"{path} differs from the digest recorded by package {facts.Package ?? "(unknown)"}{live}",
            Techniques = [Techniques.CompromiseHostSoftwareBinary],
            Timestamp = value.Timestamp,
            Subject = value,
        });
    }

    /// <summary>libfoo.so or libfoo.so.1.2: code that runs inside every process that loads it.</summary>
    private static bool IsSharedLibrary(string path)
    {
        var name = PathClassifier.FileName(path);
        return name.EndsWith(".so", StringComparison.Ordinal) || name.Contains(".so.", StringComparison.Ordinal);
    }
}
