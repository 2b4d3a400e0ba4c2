using Atalaya.Core.Analytics;
using Atalaya.Core.Schema;

namespace Atalaya.Core.Yara;

/// <summary>
/// Scans executables with the YARA rules: each process's executable (at exec, and in the snapshot of a
/// scan, so <c>atalaya scan</c> covers what is running) and every executable file the file sensor sees
/// created or changed. A binary is scanned once per content: the SHA-256 the hash cache already put on
/// the event is the key, so a thousand execs of /usr/bin/ls cost one scan; without a hash the path and
/// mtime stand in. A match is a signal naming the rule, its namespace and tags; ATT&amp;CK comes from the
/// rule's meta (<c>mitre_attack</c>, <c>attack</c>, <c>technique</c>) and the weight from its
/// <c>score</c> or <c>severity</c> meta (default 75: someone wrote a rule for exactly this content).
/// Scans run on the engine thread; a scan error (file gone, unreadable) is counted, never thrown.
/// </summary>
public sealed class YaraAnalytic : IAnalytic
{
    public const string AnalyticId = "atalaya.analytic.yara";

    private const int DefaultWeight = 75;

    private static readonly string[] TechniqueMetaKeys = ["mitre_attack", "attack", "technique", "mitre_att", "attack_id"];

    private readonly IYaraScanner _scanner;
    private readonly BoundedEntityMap<string, YaraMatch[]> _scanned;

    public YaraAnalytic(IYaraScanner scanner, int capacity = 65_536)
    {
        _scanner = scanner;
        _scanned = new BoundedEntityMap<string, YaraMatch[]>(capacity, StringComparer.Ordinal);
    }

    public string Id => AnalyticId;

    public string Name => "YARA rule matched an executable";

    public IReadOnlyCollection<string> Categories { get; } = [EventCategories.Process, EventCategories.File];

    /// <summary>Files handed to libyara (distinct contents).</summary>
    public long FilesScanned { get; private set; }

    /// <summary>Events whose content was already scanned (deduplicated by hash).</summary>
    public long CacheHits { get; private set; }

    public long ScanErrors { get; private set; }

    public string? LastScanError { get; private set; }

    public long Matches { get; private set; }

    public void Observe(EcsEvent value, ISignalSink signals)
    {
        if (_scanner.RuleCount == 0 || value.Event.Type.Contains(EventTypes.End) || value.Event.Type.Contains(EventTypes.Deletion))
        {
            return;
        }

        if (value.Event.Category.Contains(EventCategories.File))
        {
            if (value.File is { Path: { Length: > 0 } path } file && value.Atalaya?.File?.Executable == true)
            {
                var matches = Scan(path, file.Hash?.Sha256, file.Mtime);
                Emit(value, signals, matches, path, SignalDomain.File, FileSignals.EntityKey(value, path));
            }

            return;
        }

        if (value.Process is { Executable: { Length: > 0 } executable } process && !executable.StartsWith("/memfd:", StringComparison.Ordinal))
        {
            var matches = Scan(executable, process.Hash?.Sha256, value.Atalaya?.Process?.ExecutableMtime);
            Emit(value, signals, matches, executable, SignalDomain.Process, EntityKeys.ForProcess(process));
        }
    }

    private YaraMatch[] Scan(string path, string? sha256, DateTimeOffset? mtime)
    {
        var key = sha256 is { Length: > 0 } ? "sha256:" + sha256 : $"path:{path}\n{mtime?.UtcTicks}";
        if (_scanned.TryGetValue(key, out var known))
        {
            CacheHits++;
            return known;
        }

        var result = _scanner.ScanFile(path);
        if (result.Error is { } error)
        {
            // Not remembered: the file may be readable next time (it was being written, or replaced).
            ScanErrors++;
            LastScanError = $"{path}: {error}";
            return [];
        }

        FilesScanned++;
        var matches = result.Matches.ToArray();
        _scanned.Set(key, matches);
        return matches;
    }

    private void Emit(EcsEvent value, ISignalSink signals, YaraMatch[] matches, string path, SignalDomain domain, string entityKey)
    {
        foreach (var match in matches)
        {
            Matches++;
            var tags = match.Tags.Count == 0 ? string.Empty : $" (tags: {string.Join(", ", match.Tags)})";
            var description = match.Meta.TryGetValue("description", out var d) && d.Length > 0 ? $": {d}" : string.Empty;
            signals.Emit(new Signal
            {
                SourceId = $"{AnalyticId}.{match.Namespace}.{match.Rule}",
                SourceName = Name,
                EntityKey = entityKey,
                Weight = WeightOf(match),
                Confidence = 0.9,
                Domain = domain,
                Detail = $"the YARA rule {match.Namespace}:{match.Rule}{tags} matched {path}{description}",
                Techniques = TechniquesOf(match),
                Timestamp = value.Timestamp,
                Subject = value,
                Rule = match.Meta.TryGetValue("author", out var author) ? new RuleAttribution(author, Meta(match, "license"), Meta(match, "reference"), "yara:" + match.Namespace) : null,
            });
        }
    }

    private static string? Meta(YaraMatch match, string key) => match.Meta.TryGetValue(key, out var v) ? v : null;

    /// <summary>A <c>score</c> (0-100) or <c>severity</c> word in the rule's meta sets the weight.</summary>
    internal static int WeightOf(YaraMatch match)
    {
        if (match.Meta.TryGetValue("score", out var score) && int.TryParse(score, System.Globalization.CultureInfo.InvariantCulture, out var n))
        {
            return Math.Clamp(n, 0, 100);
        }

        return Meta(match, "severity")?.ToLowerInvariant() switch
        {
            "informational" or "info" => 10,
            "low" => 35,
            "medium" => 60,
            "high" => 80,
            "critical" => 95,
            _ => DefaultWeight,
        };
    }

    /// <summary>Technique ids (T1234, T1234.001) found in the ATT&amp;CK meta, comma/space separated.</summary>
    internal static IReadOnlyList<string> TechniquesOf(YaraMatch match)
    {
        var found = new List<string>();
        foreach (var key in TechniqueMetaKeys)
        {
            if (!match.Meta.TryGetValue(key, out var text))
            {
                continue;
            }

            foreach (var part in text.Split([',', ' ', ';', '|'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var id = part.ToUpperInvariant();
                if (IsTechniqueId(id) && !found.Contains(id))
                {
                    found.Add(id);
                }
            }
        }

        return found;
    }

    private static bool IsTechniqueId(string id) =>
        (id.Length == 5 || (id.Length == 9 && id[5] == '.' && !id.AsSpan(6).ContainsAnyExceptInRange('0', '9')))
        && id[0] == 'T' && !id.AsSpan(1, 4).ContainsAnyExceptInRange('0', '9');
}
