namespace Atalaya.Core.Schema;

/// <summary>ECS <c>host.*</c>.</summary>
public sealed record HostFields
{
    public string? Name { get; init; }

    public string? Id { get; init; }

    public HostOsFields? Os { get; init; }

    public HostCpuFields? Cpu { get; init; }
}

/// <summary>ECS <c>host.cpu.*</c>.</summary>
public sealed record HostCpuFields
{
    /// <summary>Share of all CPUs busy over the sample interval, 0-1 (ECS scaled float).</summary>
    public double? Usage { get; init; }
}

/// <summary>ECS <c>host.os.*</c>.</summary>
public sealed record HostOsFields
{
    public string? Type { get; init; }

    public string? Name { get; init; }

    public string? Version { get; init; }

    public string? Kernel { get; init; }

    public string? Family { get; init; }
}

/// <summary>ECS <c>agent.*</c>: which Atalaya produced the event.</summary>
public sealed record AgentFields
{
    public string? Name { get; init; }

    public string? Type { get; init; }

    public string? Version { get; init; }

    public string? Id { get; init; }
}
