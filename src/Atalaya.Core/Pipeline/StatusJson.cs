using System.Text.Json;
using System.Text.Json.Serialization;

namespace Atalaya.Core.Pipeline;

/// <summary>JSON for <see cref="AgentStatus"/> (stored by the agent, printed by <c>status --json</c>).</summary>
public static class StatusJson
{
    public static string Serialize(AgentStatus status) =>
        JsonSerializer.Serialize(status, StatusJsonContext.Default.AgentStatus);

    public static AgentStatus? Deserialize(string json) =>
        JsonSerializer.Deserialize(json, StatusJsonContext.Default.AgentStatus);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(AgentStatus))]
internal sealed partial class StatusJsonContext : JsonSerializerContext;
