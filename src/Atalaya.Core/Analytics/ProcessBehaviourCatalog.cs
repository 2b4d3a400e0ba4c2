using YamlDotNet.RepresentationModel;

namespace Atalaya.Core.Analytics;

/// <summary>
/// The process roles the process analytics reason about (data in <c>rules/catalogs/process-behaviour.yml</c>):
/// network-facing services, shells, interpreters, JIT runtimes, debuggers, and the memfd and LD_PRELOAD
/// uses that legitimate tools make. Names are executable file names; a <c>*</c> matches any run of characters
/// at the start or end.
/// </summary>
public sealed class ProcessBehaviourCatalog
{
    private readonly NamePatterns _networkServices;
    private readonly NamePatterns _shells;
    private readonly NamePatterns _interpreters;
    private readonly NamePatterns _jitRuntimes;
    private readonly NamePatterns _debuggers;
    private readonly NamePatterns _memfdAllowed;
    private readonly NamePatterns _preloadAllowed;

    private ProcessBehaviourCatalog(YamlMappingNode root)
    {
        _networkServices = new NamePatterns(CatalogYaml.Strings(root, "network_services"));
        _shells = new NamePatterns(CatalogYaml.Strings(root, "shells"));
        _interpreters = new NamePatterns(CatalogYaml.Strings(root, "interpreters"));
        _jitRuntimes = new NamePatterns(CatalogYaml.Strings(root, "jit_runtimes"));
        _debuggers = new NamePatterns(CatalogYaml.Strings(root, "debuggers"));
        _memfdAllowed = new NamePatterns(CatalogYaml.Strings(root, "memfd_allowed"));
        _preloadAllowed = new NamePatterns(CatalogYaml.Strings(root, "preload_allowed"));
    }

    public bool IsNetworkService(string? name) => _networkServices.Matches(name);

    public bool IsShell(string? name) => _shells.Matches(name);

    public bool IsInterpreter(string? name) => _interpreters.Matches(name);

    public bool IsJitRuntime(string? name) => _jitRuntimes.Matches(name);

    public bool IsDebugger(string? name) => _debuggers.Matches(name);

    /// <summary>The memfd name after <c>/memfd:</c> (without " (deleted)") is one legitimate software uses.</summary>
    public bool IsAllowedMemfd(string? memfdName) => _memfdAllowed.Matches(memfdName);

    public bool IsAllowedPreload(string? libraryFileName) => _preloadAllowed.Matches(libraryFileName);

    /// <summary>Parses the catalog YAML; a document of the wrong shape throws <see cref="CatalogException"/> naming the line.</summary>
    public static ProcessBehaviourCatalog Parse(string yaml)
    {
        var root = CatalogYaml.LoadMapping(yaml, "the process behaviour catalog must be a YAML mapping of name lists");
        foreach (var (key, value) in root.Children)
        {
            if (value is not (YamlSequenceNode or YamlScalarNode))
            {
                throw new CatalogException($"line {key.Start.Line}: {key} must be a list of names");
            }
        }

        return new ProcessBehaviourCatalog(root);
    }

    /// <summary>Exact names, <c>prefix*</c> and <c>*suffix</c>.</summary>
    private sealed class NamePatterns
    {
        private readonly HashSet<string> _exact = new(StringComparer.Ordinal);
        private readonly List<string> _prefixes = [];
        private readonly List<string> _suffixes = [];

        public NamePatterns(IEnumerable<string> patterns)
        {
            foreach (var pattern in patterns)
            {
                if (pattern.Length > 1 && pattern.EndsWith('*'))
                {
                    _prefixes.Add(pattern[..^1]);
                }
                else if (pattern.Length > 1 && pattern.StartsWith('*'))
                {
                    _suffixes.Add(pattern[1..]);
                }
                else
                {
                    _exact.Add(pattern);
                }
            }
        }

        public bool Matches(string? name)
        {
            if (string.IsNullOrEmpty(name))
            {
                return false;
            }

            return _exact.Contains(name)
                || _prefixes.Exists(p => name.StartsWith(p, StringComparison.Ordinal))
                || _suffixes.Exists(s => name.EndsWith(s, StringComparison.Ordinal));
        }
    }
}
