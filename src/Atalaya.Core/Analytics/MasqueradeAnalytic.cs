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

    // File name -> the catalog name it imitates (null: none). Executables repeat across processes,
    // so the catalog scan runs once per distinct name; bounded like every analytic's state.
    private readonly BoundedEntityMap<string, string?> _lookalikes = new(8_192, StringComparer.Ordinal);

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
            signals.Emit(ProcessSignals.Make(this, value, null, 85, 0.95, [Techniques.MasqueradeMatchName],
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
            signals.Emit(ProcessSignals.Make(this, value, null, 75, 0.8, [Techniques.MasqueradeMatchName],
                $"the process calls itself {name} but its executable is {executable}, not the system's {name}"));
            return;
        }

        if (LookalikeOf(fileName, executable, value) is { } imitated)
        {
            _catalog.TryGet(imitated, out var original);
            signals.Emit(ProcessSignals.Make(this, value, "lookalike", 70, 0.75, [Techniques.MasqueradeMatchName],
                $"{fileName} at {executable} looks like the system program {imitated} (lives in {string.Join(" or ", original.Paths)})"));
        }
    }

    /// <summary>
    /// The catalog name <paramref name="fileName"/> imitates: equal after folding homoglyphs, or within
    /// edit distance 1 (names of 4-5 characters) or 2 (6 and more) of it. False positives are real
    /// programs with neighbouring names (ssh/sshd, gpasswd/passwd, docker/dockerd), so: names under 4
    /// characters are never compared (ls, ps, ss, ip sit within 2 edits of hundreds of tools), a catalog
    /// name or catalog path is not a look-alike, a packaged executable is not one (the package
    /// manager installed it), and the catalog's lookalike_exempt lists the real siblings for hosts
    /// where package ownership is unknown.
    /// </summary>
    private string? LookalikeOf(string fileName, string executable, EcsEvent value)
    {
        if (fileName.Length < 2 || fileName.Length > LookalikeNames.MaxLength
            || _catalog.TryGet(fileName, out _)
            || _catalog.IsLookalikeExempt(fileName)
            || _catalog.IsInterpreter(fileName)
            || _catalog.IsMultiCall(fileName)
            || value.Atalaya?.Process?.Package is { Length: > 0 }
            || _catalog.IsCatalogPath(executable))
        {
            return null;
        }

        if (_lookalikes.TryGetValue(fileName, out var cached))
        {
            return cached;
        }

        string? found = null;
        foreach (var binary in _catalog.Binaries)
        {
            var name = binary.Name;
            if (LookalikeNames.IsHomoglyphOf(fileName, name))
            {
                found = name;
                break;
            }

            if (fileName.Length >= 4 && name.Length >= 4)
            {
                var limit = name.Length >= 6 ? 2 : 1;
                if (LookalikeNames.Distance(fileName, name, limit) <= limit)
                {
                    found = name;
                    break;
                }
            }
        }

        _lookalikes.Set(fileName, found);
        return found;
    }

    private static bool IsEnd(EcsEvent value) => value.Event.Type.Contains(EventTypes.End);
}
