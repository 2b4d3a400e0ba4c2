namespace Atalaya.Core.Intel;

/// <summary>
/// One indicator of compromise in canonical form: lowercase hash or domain, the address as
/// <see cref="System.Net.IPAddress"/> prints it (IPv4-mapped IPv6 folded to IPv4), a network with
/// its host bits cleared (<c>10.0.0.0/8</c>).
/// </summary>
public readonly record struct Indicator(IndicatorKind Kind, string Value);

/// <summary>An indicator and the file (or feed) that listed it: the analyst needs both.</summary>
public readonly record struct IndicatorHit(Indicator Indicator, string Source);
