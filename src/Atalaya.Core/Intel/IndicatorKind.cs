namespace Atalaya.Core.Intel;

/// <summary>What a threat-intelligence indicator names.</summary>
public enum IndicatorKind
{
    /// <summary>A SHA-256 of a file, 64 lowercase hex digits.</summary>
    Sha256,

    /// <summary>One IPv4 or IPv6 address.</summary>
    Address,

    /// <summary>An IPv4 or IPv6 network in CIDR notation.</summary>
    Network,

    /// <summary>A domain; it also covers every subdomain.</summary>
    Domain,
}
