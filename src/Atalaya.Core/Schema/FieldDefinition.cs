namespace Atalaya.Core.Schema;

/// <summary>ECS data types used by the catalog (what a consumer may index the field as).</summary>
public enum FieldType
{
    Keyword,
    Text,
    Long,
    Float,
    Date,
    Ip,
    Boolean,
}

/// <summary>
/// One field of the schema: its ECS name, type, meaning, the Sigma field name that maps onto it
/// (if any), and how to read it from an event. Arrays are read as <c>IReadOnlyList&lt;string&gt;</c>.
/// </summary>
public sealed record FieldDefinition(
    string EcsName,
    FieldType Type,
    string Description,
    string? SigmaName,
    Func<EcsEvent, object?> Read)
{
    /// <summary>True when the value is a list (ECS arrays such as <c>event.category</c>).</summary>
    public bool IsArray { get; init; }

    /// <summary>
    /// When Sigma spells the values differently from us (Sysmon's <c>Initiated: 'true'</c> is our
    /// <c>network.direction: egress</c>): Sigma value to ECS value, applied when a rule is compiled.
    /// </summary>
    public IReadOnlyDictionary<string, string>? SigmaValues { get; init; }
}
