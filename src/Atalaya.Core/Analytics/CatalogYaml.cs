using YamlDotNet.RepresentationModel;

namespace Atalaya.Core.Analytics;

/// <summary>
/// The YAML reading the catalogs share: load one document whose root is a mapping, and read a
/// scalar or a list of names from a mapping. Shape problems become <see cref="CatalogException"/>
/// naming the line, so a bad catalog is reported, never a crash.
/// </summary>
internal static class CatalogYaml
{
    /// <summary>The root mapping of <paramref name="yaml"/>; <paramref name="shape"/> says what was expected when it is not one.</summary>
    public static YamlMappingNode LoadMapping(string yaml, string shape)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlDotNet.Core.YamlException ex)
        {
            throw new CatalogException($"line {ex.Start.Line}: {ex.Message}", ex);
        }

        return stream.Documents.Count > 0 && stream.Documents[0].RootNode is YamlMappingNode root
            ? root
            : throw new CatalogException(shape);
    }

    public static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode scalar ? scalar.Value : null;

    /// <summary>A list of non-empty names; a single scalar counts as a list of one, anything else as none.</summary>
    public static List<string> Strings(YamlMappingNode node, string key)
    {
        if (!node.Children.TryGetValue(new YamlScalarNode(key), out var value))
        {
            return [];
        }

        return value switch
        {
            YamlSequenceNode seq => seq.OfType<YamlScalarNode>().Select(s => s.Value ?? "").Where(s => s.Length > 0).ToList(),
            YamlScalarNode scalar when !string.IsNullOrEmpty(scalar.Value) => [scalar.Value],
            _ => [],
        };
    }
}
