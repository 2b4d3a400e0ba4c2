using System.Text;

namespace Atalaya.Core.Schema;

/// <summary>Renders docs/FIELDS.md from the catalog, so the documentation is the catalog.</summary>
public static class FieldsDocument
{
    public static string Render()
    {
        var text = new StringBuilder();
        text.Append("# Event fields\n\n");
        text.Append("Generated from `src/Atalaya.Core/Schema/FieldCatalog.cs` by the test `Fields_doc_is_generated_from_the_catalog`\n");
        text.Append("(run `ATALAYA_UPDATE_DOCS=1 dotnet test` after changing the catalog). Events are ECS JSON with nested\n");
        text.Append("objects; the Sigma column is the Sigma field name the rule engine maps onto the ECS field (rules may also\n");
        text.Append("name the ECS field itself; a Sigma field with no row here makes the rule skip with SIGMA101).\n\n");
        text.Append("| ECS field | type | Sigma | description |\n|---|---|---|---|\n");
        foreach (var field in FieldCatalog.All)
        {
            var type = field.IsArray ? $"{field.Type.ToString().ToLowerInvariant()}[]" : field.Type.ToString().ToLowerInvariant();
            var sigma = field.SigmaName is null ? "" : $"`{field.SigmaName}`";
            if (field.SigmaValues is { Count: > 0 } values)
            {
                sigma += " (" + string.Join(", ", values.Select(v => $"{v.Key} = {v.Value}")) + ")";
            }

            text.Append($"| `{field.EcsName}` | {type} | {sigma} | {field.Description} |\n");
        }

        text.Append("\nLists of objects: `atalaya.evidence` (each `{signal, weight, confidence, detail, techniques, domain}`) and\n");
        text.Append("`atalaya.process.ancestry` (each `{pid, executable}`, from the parent up to pid 1).\n");
        return text.ToString();
    }
}
