using System.IO.Enumeration;

namespace Atalaya.Platform.Linux.Files;

/// <summary>
/// Which paths the file sensor reports. A filesystem mark sees every change on the whole filesystem, so
/// this filter runs on every event: a cheap literal-prefix test first, segment-wise glob only after.
/// </summary>
public sealed class WatchList
{
    private readonly Pattern[] _included;
    private readonly Pattern[] _excluded;

    public WatchList(IEnumerable<string> included, IEnumerable<string> excluded)
    {
        _included = [.. included.Select(Pattern.Create).Where(p => p is not null).Select(p => p!)];
        _excluded = [.. excluded.Select(Pattern.Create).Where(p => p is not null).Select(p => p!)];
    }

    public IReadOnlyList<string> Patterns => [.. _included.Select(p => p.Text)];

    /// <summary>True when the absolute path is at or below an included pattern and not at or below an excluded one.</summary>
    public bool Includes(string path)
    {
        if (path.Length == 0 || path[0] != '/')
        {
            return false;
        }

        var included = false;
        foreach (var pattern in _included)
        {
            if (pattern.Matches(path))
            {
                included = true;
                break;
            }
        }

        if (!included)
        {
            return false;
        }

        foreach (var pattern in _excluded)
        {
            if (pattern.Matches(path))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The directories (or files) that exist now for each pattern, globs expanded: what an inotify
    /// watcher or a rescan walks. Overlapping roots are collapsed to the outermost.
    /// </summary>
    public IReadOnlyList<string> ExistingRoots()
    {
        var roots = new List<string>();
        foreach (var pattern in _included)
        {
            roots.AddRange(pattern.Expand());
        }

        roots.Sort(StringComparer.Ordinal);
        var collapsed = new List<string>();
        foreach (var root in roots)
        {
            if (collapsed.Count > 0 && IsAtOrBelow(root, collapsed[^1]))
            {
                continue;
            }

            collapsed.Add(root);
        }

        return collapsed;
    }

    /// <summary>The longest literal directory each pattern starts with: where a filesystem mark must be placed.</summary>
    public IReadOnlyList<string> LiteralPrefixes() => [.. _included.Select(p => p.LiteralPrefix).Distinct(StringComparer.Ordinal)];

    /// <summary>The included patterns whose literal prefix is one of <paramref name="prefixes"/> (a fallback sensor's share of the list).</summary>
    public IReadOnlyList<string> PatternsWithPrefix(IReadOnlyCollection<string> prefixes) =>
        [.. _included.Where(p => prefixes.Contains(p.LiteralPrefix)).Select(p => p.Text)];

    internal static bool IsAtOrBelow(string path, string root) =>
        root == "/" || (path.StartsWith(root, StringComparison.Ordinal) && (path.Length == root.Length || path[root.Length] == '/'));

    private sealed class Pattern
    {
        private readonly string[] _segments;

        private Pattern(string text, string[] segments, string literalPrefix)
        {
            Text = text;
            _segments = segments;
            LiteralPrefix = literalPrefix;
        }

        public string Text { get; }

        public string LiteralPrefix { get; }

        public static Pattern? Create(string text)
        {
            var trimmed = text.Length > 1 ? text.TrimEnd('/') : text;
            if (trimmed.Length == 0 || trimmed[0] != '/')
            {
                return null;
            }

            var segments = trimmed.Split('/', StringSplitOptions.RemoveEmptyEntries);
            var literal = new List<string>();
            foreach (var segment in segments)
            {
                if (segment.Contains('*', StringComparison.Ordinal) || segment.Contains('?', StringComparison.Ordinal))
                {
                    break;
                }

                literal.Add(segment);
            }

            var prefix = "/" + string.Join('/', literal);
            return new Pattern(trimmed, segments, prefix);
        }

        public bool Matches(string path)
        {
            if (!IsAtOrBelow(path, LiteralPrefix))
            {
                return false;
            }

            if (_segments.Length == 0)
            {
                return true;
            }

            var rest = path.AsSpan(1);
            foreach (var segment in _segments)
            {
                if (rest.IsEmpty)
                {
                    return false;
                }

                var slash = rest.IndexOf('/');
                var part = slash < 0 ? rest : rest[..slash];
                if (!FileSystemName.MatchesSimpleExpression(segment, part, ignoreCase: false))
                {
                    return false;
                }

                rest = slash < 0 ? [] : rest[(slash + 1)..];
            }

            return true;
        }

        public IEnumerable<string> Expand()
        {
            var current = new List<string> { "/" };
            foreach (var segment in _segments)
            {
                var next = new List<string>();
                foreach (var directory in current)
                {
                    if (segment.Contains('*', StringComparison.Ordinal) || segment.Contains('?', StringComparison.Ordinal))
                    {
                        try
                        {
                            next.AddRange(Directory.EnumerateFileSystemEntries(directory, segment));
                        }
                        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                        {
                        }
                    }
                    else
                    {
                        var candidate = Path.Join(directory, segment);
                        if (Path.Exists(candidate))
                        {
                            next.Add(candidate);
                        }
                    }
                }

                current = next;
            }

            return current;
        }
    }
}
