using System.Net;

namespace Atalaya.Platform.Linux.Network.Dns;

/// <summary>
/// One address a DNS response gave: <see cref="Address"/> is what <see cref="QueryName"/> (the name
/// the client asked for) resolved to; <see cref="CanonicalName"/> is the owner name of the A/AAAA
/// record when a CNAME chain led there (null when it is the query name itself).
/// </summary>
internal readonly record struct DnsAnswer(string QueryName, IPAddress Address, string? CanonicalName, uint TtlSeconds);
