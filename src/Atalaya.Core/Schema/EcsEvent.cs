using System.Text.Json.Serialization;

namespace Atalaya.Core.Schema;

/// <summary>
/// One event in the Elastic Common Schema shape: every section is optional and is
/// serialized as a nested object (<c>process.parent.executable</c>, not a flat key).
/// Alerts are events too (<c>event.kind: alert</c>) so one store and one exporter serve both.
/// </summary>
public sealed record EcsEvent
{
    [JsonPropertyName("@timestamp")]
    public required DateTimeOffset Timestamp { get; init; }

    public required EventFields Event { get; init; }

    public HostFields? Host { get; init; }

    public AgentFields? Agent { get; init; }

    public ProcessFields? Process { get; init; }

    public EndpointFields? Source { get; init; }

    public EndpointFields? Destination { get; init; }

    public NetworkFields? Network { get; init; }

    public FileFields? File { get; init; }

    public UserFields? User { get; init; }

    public RuleFields? Rule { get; init; }

    public ThreatFields? Threat { get; init; }

    public RelatedFields? Related { get; init; }

    public AtalayaFields? Atalaya { get; init; }
}
