using YamlDotNet.RepresentationModel;

namespace Atalaya.Core.Analytics.Network;

/// <summary>
/// Ports that matter to security, by category (data in <c>rules/catalogs/ports.yml</c>): mining
/// pools, Tor, remote administration, databases, IRC. Entries are single ports or ranges.
/// </summary>
public sealed class PortCatalog
{
    private const string CategoriesShape = "the port catalog must be a mapping with a 'categories' mapping";

    private readonly Dictionary<int, PortEntry> _byPort;

    private PortCatalog(Dictionary<int, PortEntry> byPort) => _byPort = byPort;

    public int Count => _byPort.Count;

    public bool TryGet(int port, out PortEntry entry) => _byPort.TryGetValue(port, out entry!);

    /// <summary>Parses the catalog; throws <see cref="CatalogException"/> with the line of a bad entry.</summary>
    public static PortCatalog Parse(string yaml)
    {
        var root = CatalogYaml.LoadMapping(yaml, CategoriesShape);
        if (!root.Children.TryGetValue(new YamlScalarNode("categories"), out var node) || node is not YamlMappingNode categories)
        {
            throw new CatalogException(CategoriesShape);
        }

        var byPort = new Dictionary<int, PortEntry>();
        foreach (var (nameNode, body) in categories.Children)
        {
            if (nameNode is not YamlScalarNode { Value: { Length: > 0 } category })
            {
                throw new CatalogException($"line {nameNode.Start.Line}: a category name must be a plain name");
            }

            if (body is not YamlMappingNode entry || !entry.Children.TryGetValue(new YamlScalarNode("ports"), out var ports) || ports is not YamlSequenceNode list)
            {
                throw new CatalogException($"line {body.Start.Line}: category {category} needs a 'ports' list");
            }

            var label = CatalogYaml.Scalar(entry, "label") ?? category;
            foreach (var item in list.OfType<YamlScalarNode>())
            {
                if (!TryParseRange(item.Value, out var low, out var high))
                {
                    throw new CatalogException($"line {item.Start.Line}: '{item.Value}' is not a port or a range low-high");
                }

                for (var port = low; port <= high; port++)
                {
                    byPort.TryAdd(port, new PortEntry(port, category, label));
                }
            }
        }

        return new PortCatalog(byPort);
    }

    private static bool TryParseRange(ReadOnlySpan<char> text, out int low, out int high)
    {
        high = 0;
        var dash = text.IndexOf('-');
        if (dash < 0)
        {
            return TryParsePort(text, out low) && (high = low) > 0;
        }

        return TryParsePort(text[..dash], out low) && TryParsePort(text[(dash + 1)..], out high) && low <= high && high - low < 1024;
    }

    private static bool TryParsePort(ReadOnlySpan<char> text, out int port) =>
        int.TryParse(text.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port) && port is > 0 and <= 65535;
}

/// <summary>One catalogued port: its category (mining, tor, remote-admin, database, irc) and a readable label.</summary>
public sealed record PortEntry(int Port, string Category, string Label);
