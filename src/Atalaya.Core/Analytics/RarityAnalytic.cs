using Atalaya.Core.Schema;

namespace Atalaya.Core.Analytics;

/// <summary>Thresholds of <see cref="RarityAnalytic"/>.</summary>
public sealed record RarityOptions
{
    /// <summary>Distinct processes to observe before anything is called rare: at start everything is new.</summary>
    public int WarmUpProcesses { get; init; } = 1_000;

    /// <summary>An executable run by at least this many processes is common; its unusual command lines then stand out.</summary>
    public int CommonExecutable { get; init; } = 20;

    /// <summary>Distinct paths of one file name that make the name suspicious.</summary>
    public int PathsPerName { get; init; } = 3;

    /// <summary>Distinct hashes at one path within the observed period that make the path suspicious.</summary>
    public int HashesPerPath { get; init; } = 3;

    /// <summary>Keys kept per table (least recently seen evicted).</summary>
    public int Capacity { get; init; } = 32_768;
}

/// <summary>
/// The seed scripts' rarity heuristics over the observed process population, as low signals that only
/// matter next to others: an unpackaged executable never seen before (after a warm-up), a never-seen
/// command-line shape of a common executable, one file name at several unpackaged paths, and one path
/// with several hashes. False positives: builds and updates create new executables and hashes all the
/// time, so packaged executables are skipped, a path needs three hashes (an upgrade makes two) and
/// signals are weak; command lines are compared as shapes (digit runs folded) so PIDs and timestamps
/// do not make every line unique. All state is bounded.
/// </summary>
public sealed class RarityAnalytic : IAnalytic
{
    public const string AnalyticId = "atalaya.analytic.rarity";

    private readonly RarityOptions _options;
    private readonly BoundedEntityMap<string, bool> _processes;
    private readonly BoundedEntityMap<string, int> _executables;
    private readonly BoundedEntityMap<string, bool> _commandShapes;
    private readonly BoundedEntityMap<string, List<string>> _pathsByName;
    private readonly BoundedEntityMap<string, List<string>> _hashesByPath;
    private readonly SeenOnce _seen = new();
    private long _population;

    public RarityAnalytic(RarityOptions? options = null)
    {
        _options = options ?? new RarityOptions();
        _processes = new(_options.Capacity, StringComparer.Ordinal);
        _executables = new(_options.Capacity, StringComparer.Ordinal);
        _commandShapes = new(_options.Capacity, StringComparer.Ordinal);
        _pathsByName = new(_options.Capacity, StringComparer.Ordinal);
        _hashesByPath = new(_options.Capacity, StringComparer.Ordinal);
    }

    public string Id => AnalyticId;

    public string Name => "Rare in this host's process population";

    public IReadOnlyCollection<string> Categories { get; } = [EventCategories.Process];

    /// <summary>Distinct processes observed (the population rarity is measured against).</summary>
    public long Population => _population;

    /// <summary>Keys held across all tables (each table is capped at <see cref="RarityOptions.Capacity"/>).</summary>
    public int TrackedKeys => _processes.Count + _executables.Count + _commandShapes.Count + _pathsByName.Count + _hashesByPath.Count;

    public void Observe(EcsEvent value, ISignalSink signals)
    {
        if (!ProcessSignals.IsLive(value) || value.Process is not { Executable: { Length: > 0 } executable } process)
        {
            return;
        }

        // Each process counts once, however many snapshots repeat it.
        var entity = EntityKeys.ForProcess(process);
        if (_processes.TryGetValue(entity, out _))
        {
            return;
        }

        _processes.Set(entity, true);
        var warm = _population >= _options.WarmUpProcesses;
        _population++;
        var packaged = value.Atalaya?.Process?.Package is { Length: > 0 };

        _executables.TryGetValue(executable, out var runs);
        _executables.Set(executable, runs + 1);
        if (warm && runs == 0 && !packaged && _seen.First(process, "executable"))
        {
            signals.Emit(ProcessSignals.Make(this, value, "executable", 25, 0.5, [],
                $"{executable} runs for the first time among {_population - 1:N0} processes observed, and no package owns it"));
        }

        if (process.CommandLine is { Length: > 0 } commandLine)
        {
            var shape = executable + "\n" + Shape(commandLine);
            var newShape = !_commandShapes.TryGetValue(shape, out _);
            _commandShapes.Set(shape, true);
            if (warm && newShape && runs >= _options.CommonExecutable && _seen.First(process, "command-line"))
            {
                signals.Emit(ProcessSignals.Make(this, value, "command-line", 20, 0.4, [],
                    $"{PathClassifier.FileName(executable)} ran {runs:N0} times before, never with a command line like: {Truncate(commandLine)}"));
            }
        }

        if (!packaged)
        {
            var name = PathClassifier.FileName(executable);
            if (Remember(_pathsByName, name, executable, _options.PathsPerName) is { } paths && _seen.First(process, "name-paths"))
            {
                signals.Emit(ProcessSignals.Make(this, value, "name-paths", 40, 0.5, [Techniques.Masquerading],
                    $"{name} runs from {paths.Count} different unpackaged paths: {string.Join(", ", paths)}"));
            }
        }

        if (process.Hash?.Sha256 is { Length: > 0 } sha256
            && Remember(_hashesByPath, executable, sha256, _options.HashesPerPath) is { } hashes && _seen.First(process, "path-hashes"))
        {
            signals.Emit(ProcessSignals.Make(this, value, "path-hashes", 50, 0.6, [Techniques.CompromiseHostSoftwareBinary],
                $"{executable} had {hashes.Count} different contents while observed: {string.Join(", ", hashes)}"));
        }
    }

    /// <summary>
    /// Adds <paramref name="item"/> to the key's variants; returns them when this addition reached
    /// <paramref name="threshold"/> (once per key), else null. Variants per key are capped at the threshold.
    /// </summary>
    private static List<string>? Remember(BoundedEntityMap<string, List<string>> table, string key, string item, int threshold)
    {
        if (!table.TryGetValue(key, out var variants))
        {
            variants = [];
        }

        table.Set(key, variants);
        if (variants.Count >= threshold || variants.Contains(item, StringComparer.Ordinal))
        {
            return null;
        }

        variants.Add(item);
        return variants.Count == threshold ? variants : null;
    }

    /// <summary>The command line with digit runs folded to one <c>#</c>, cut at 256 characters.</summary>
    public static string Shape(string commandLine)
    {
        var source = commandLine.AsSpan(0, Math.Min(commandLine.Length, 256));
        Span<char> shaped = stackalloc char[source.Length];
        var written = 0;
        var inDigits = false;
        foreach (var c in source)
        {
            var digit = char.IsAsciiDigit(c);
            if (!digit || !inDigits)
            {
                shaped[written++] = digit ? '#' : c;
            }

            inDigits = digit;
        }

        return new string(shaped[..written]);
    }

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "…";
}
