using System.Text.Json;

namespace Atalaya.Scenarios;

/// <summary>Reads NDJSON output: every line must be one JSON object.</summary>
internal static class Ndjson
{
    public static List<JsonElement> Parse(string text)
    {
        var items = new List<JsonElement>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var document = JsonDocument.Parse(line);
            Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
            items.Add(document.RootElement.Clone());
        }

        return items;
    }

    public static JsonElement? Path(this JsonElement element, string dotted)
    {
        var current = element;
        foreach (var part in dotted.Split('.'))
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(part, out current))
            {
                return null;
            }
        }

        return current;
    }

    public static int? Int(this JsonElement element, string dotted) =>
        element.Path(dotted) is { ValueKind: JsonValueKind.Number } value ? value.GetInt32() : null;

    public static string? Str(this JsonElement element, string dotted) =>
        element.Path(dotted) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    public static List<string> Strings(this JsonElement element, string dotted) =>
        element.Path(dotted) is { ValueKind: JsonValueKind.Array } value
            ? value.EnumerateArray().Select(v => v.GetString() ?? "").ToList()
            : [];
}
