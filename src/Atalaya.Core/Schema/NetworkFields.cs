namespace Atalaya.Core.Schema;

/// <summary>ECS <c>source.*</c> and <c>destination.*</c>.</summary>
public sealed record EndpointFields
{
    public string? Ip { get; init; }

    public int? Port { get; init; }

    public string? Domain { get; init; }

    public long? Bytes { get; init; }
}

/// <summary>ECS <c>network.*</c>.</summary>
public sealed record NetworkFields
{
    /// <summary>tcp|udp.</summary>
    public string? Transport { get; init; }

    /// <summary>ingress|egress|listening|internal|unknown.</summary>
    public string? Direction { get; init; }

    /// <summary>ipv4|ipv6.</summary>
    public string? Type { get; init; }

    /// <summary>The service name of the server port (from /etc/services, else the port catalog's category), lower case.</summary>
    public string? Protocol { get; init; }

    public long? Bytes { get; init; }
}

/// <summary>ECS <c>related.*</c>: every address, user and hash an event mentions, for pivoting.</summary>
public sealed record RelatedFields
{
    public IReadOnlyList<string>? Ip { get; init; }

    public IReadOnlyList<string>? User { get; init; }

    public IReadOnlyList<string>? Hash { get; init; }
}
