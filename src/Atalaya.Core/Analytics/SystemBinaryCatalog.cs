using YamlDotNet.RepresentationModel;

namespace Atalaya.Core.Analytics;

/// <summary>
/// Well-known system programs and where they are expected to live (data in
/// <c>rules/catalogs/system-binaries.yml</c>). A catalog name running from anywhere else is the
/// classic disguise of malware (T1036.005).
/// </summary>
public sealed class SystemBinaryCatalog
{
    private readonly Dictionary<string, SystemBinary> _byName;
    private readonly HashSet<string> _interpreters;
    private readonly HashSet<string> _multiCall;
    private readonly HashSet<string> _lookalikeExempt;

    private SystemBinaryCatalog(IEnumerable<SystemBinary> binaries, IEnumerable<string> interpreters, IEnumerable<string> multiCall,
        IEnumerable<string> lookalikeExempt, IReadOnlyList<ImpossibleLineage> impossibleLineages)
    {
        _byName = binaries.ToDictionary(b => b.Name, StringComparer.Ordinal);
        _interpreters = new HashSet<string>(interpreters, StringComparer.Ordinal);
        _multiCall = new HashSet<string>(multiCall, StringComparer.Ordinal);
        _lookalikeExempt = new HashSet<string>(lookalikeExempt, StringComparer.Ordinal);
        ImpossibleLineages = impossibleLineages;
        Binaries = [.. _byName.Values];
    }

    public int Count => _byName.Count;

    public IReadOnlyList<SystemBinary> Binaries { get; }

    /// <summary>Parent→child pairs that legitimate systems never produce (<c>impossible_lineage</c> in the catalog).</summary>
    public IReadOnlyList<ImpossibleLineage> ImpossibleLineages { get; }

    /// <summary>Real programs whose names sit close to a catalog name (<c>gpasswd</c>, <c>chronyc</c>): never look-alikes.</summary>
    public bool IsLookalikeExempt(string fileName) => _lookalikeExempt.Contains(fileName);

    /// <summary>The path is where some catalog program is installed.</summary>
    public bool IsCatalogPath(string executable)
    {
        foreach (var binary in Binaries)
        {
            if (binary.IsExpectedPath(executable))
            {
                return true;
            }
        }

        return false;
    }

    public bool TryGet(string name, out SystemBinary binary) => _byName.TryGetValue(name, out binary!);

    /// <summary>Script interpreters: a script's process name is the script's name, not the interpreter's.</summary>
    public bool IsInterpreter(string fileName) =>
        _interpreters.Contains(fileName) || _interpreters.Any(i => i.EndsWith('*') && fileName.StartsWith(i[..^1], StringComparison.Ordinal));

    /// <summary>busybox and friends answer to many names by design.</summary>
    public bool IsMultiCall(string fileName) => _multiCall.Contains(fileName);

    /// <summary>
    /// Parses the catalog YAML. Throws <see cref="CatalogException"/> with the line of the problem
    /// when the document is not the expected shape.
    /// </summary>
    public static SystemBinaryCatalog Parse(string yaml)
    {
        var root = CatalogYaml.LoadMapping(yaml, "the catalog must be a YAML mapping with a 'binaries' list");

        var binaries = new List<SystemBinary>();
        if (root.Children.TryGetValue(new YamlScalarNode("binaries"), out var node) && node is YamlSequenceNode list)
        {
            foreach (var item in list)
            {
                if (item is not YamlMappingNode entry)
                {
                    throw new CatalogException($"line {item.Start.Line}: each binary must be a mapping with name and paths");
                }

                var name = CatalogYaml.Scalar(entry, "name") ?? throw new CatalogException($"line {entry.Start.Line}: a binary has no name");
                var paths = CatalogYaml.Strings(entry, "paths");
                if (paths.Count == 0)
                {
                    throw new CatalogException($"line {entry.Start.Line}: {name} has no expected paths");
                }

                binaries.Add(new SystemBinary(name, paths, CatalogYaml.Strings(entry, "parents")));
            }
        }

        var lineages = new List<ImpossibleLineage>();
        if (root.Children.TryGetValue(new YamlScalarNode("impossible_lineage"), out var lineageNode))
        {
            if (lineageNode is not YamlSequenceNode lineageList)
            {
                throw new CatalogException($"line {lineageNode.Start.Line}: impossible_lineage must be a list of parents/children/why mappings");
            }

            foreach (var item in lineageList)
            {
                if (item is not YamlMappingNode entry)
                {
                    throw new CatalogException($"line {item.Start.Line}: each impossible_lineage entry must be a mapping");
                }

                var parents = CatalogYaml.Strings(entry, "parents");
                var children = CatalogYaml.Strings(entry, "children");
                var why = CatalogYaml.Scalar(entry, "why");
                if (parents.Count == 0 || children.Count == 0 || string.IsNullOrWhiteSpace(why))
                {
                    throw new CatalogException($"line {entry.Start.Line}: an impossible_lineage entry needs parents, children and why");
                }

                lineages.Add(new ImpossibleLineage(parents, children, why, CatalogYaml.Scalar(entry, "technique") ?? Techniques.Masquerading));
            }
        }

        return new SystemBinaryCatalog(binaries, CatalogYaml.Strings(root, "interpreters"), CatalogYaml.Strings(root, "multicall"),
            CatalogYaml.Strings(root, "lookalike_exempt"), lineages);
    }
}

/// <summary>One catalog entry: a name and the paths (a trailing <c>*</c> matches any suffix) it may run from.</summary>
public sealed record SystemBinary(string Name, IReadOnlyList<string> Paths, IReadOnlyList<string> Parents)
{
    public bool IsExpectedPath(string executable)
    {
        foreach (var pattern in Paths)
        {
            var matches = pattern.EndsWith('*')
                ? executable.StartsWith(pattern[..^1], StringComparison.Ordinal)
                : string.Equals(executable, pattern, StringComparison.Ordinal);
            if (matches)
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>
/// Parents that never start these children directly. Names are executable file names; <c>*</c> as the
/// only name of a side means "any program", and a trailing <c>*</c> matches any suffix.
/// </summary>
public sealed record ImpossibleLineage(IReadOnlyList<string> Parents, IReadOnlyList<string> Children, string Why, string Technique)
{
    public bool Matches(string parent, string child) => Any(Parents, parent) && Any(Children, child);

    private static bool Any(IReadOnlyList<string> patterns, string name)
    {
        foreach (var pattern in patterns)
        {
            var matches = pattern == "*"
                || (pattern.EndsWith('*') ? name.StartsWith(pattern[..^1], StringComparison.Ordinal) : string.Equals(name, pattern, StringComparison.Ordinal));
            if (matches)
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>A catalog file that cannot be used; the message names the line.</summary>
public sealed class CatalogException : Exception
{
    public CatalogException(string message)
        : base(message)
    {
    }

    public CatalogException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
