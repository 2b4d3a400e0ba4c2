using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Atalaya.Core.Schema;

/// <summary>
/// ECS JSON through System.Text.Json source generation: snake_case names, nulls omitted,
/// timestamps in UTC with a trailing Z (what Elasticsearch, Vector and jq users expect).
/// </summary>
public static class EcsJson
{
    /// <summary>Compact, one object per line (NDJSON).</summary>
    public static string Serialize(EcsEvent value) =>
        JsonSerializer.Serialize(value, EcsJsonContext.Default.EcsEvent);

    public static void Serialize(Utf8JsonWriter writer, EcsEvent value) =>
        JsonSerializer.Serialize(writer, value, EcsJsonContext.Default.EcsEvent);

    /// <summary>Parses one stored or exported event; throws <see cref="JsonException"/> on malformed input.</summary>
    public static EcsEvent Deserialize(string json) =>
        JsonSerializer.Deserialize(json, EcsJsonContext.Default.EcsEvent)
        ?? throw new JsonException("the JSON document is null, not an event");
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(UtcTimestampConverter)])]
[JsonSerializable(typeof(EcsEvent))]
internal sealed partial class EcsJsonContext : JsonSerializerContext;

/// <summary>Writes every timestamp as UTC ISO 8601 with a Z; reads any offset.</summary>
internal sealed class UtcTimestampConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString() ?? throw new JsonException("timestamp is null");
        return DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
}
