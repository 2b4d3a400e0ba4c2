using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Atalaya.Core.Intel;

/// <summary>
/// The loaded indicators, built once and then only read (a reload builds a new set and swaps it).
/// Hashes are a hash set; addresses and networks are one table per prefix length, so a lookup
/// costs one probe per distinct prefix length present, not one per network; a domain matches
/// itself and every subdomain (<c>evil.example</c> covers <c>a.b.evil.example</c>).
/// </summary>
public sealed class IndicatorSet
{
    private readonly Dictionary<string, IndicatorHit> _hashes;
    private readonly Dictionary<string, IndicatorHit> _domains;
    private readonly (int Prefix, Dictionary<UInt128, IndicatorHit> Table)[] _v4;
    private readonly (int Prefix, Dictionary<UInt128, IndicatorHit> Table)[] _v6;

    private IndicatorSet(
        Dictionary<string, IndicatorHit> hashes,
        Dictionary<string, IndicatorHit> domains,
        (int, Dictionary<UInt128, IndicatorHit>)[] v4,
        (int, Dictionary<UInt128, IndicatorHit>)[] v6)
    {
        _hashes = hashes;
        _domains = domains;
        _v4 = v4;
        _v6 = v6;
        Count = hashes.Count + domains.Count + v4.Sum(t => t.Item2.Count) + v6.Sum(t => t.Item2.Count);
    }

    public static IndicatorSet Empty { get; } = Build([]);

    /// <summary>Distinct indicators held (a value listed by two files counts once; the first file is named).</summary>
    public int Count { get; }

    public int HashCount => _hashes.Count;

    public int DomainCount => _domains.Count;

    public int NetworkCount => _v4.Sum(t => t.Table.Count) + _v6.Sum(t => t.Table.Count);

    public static IndicatorSet Build(IEnumerable<IndicatorHit> indicators)
    {
        var hashes = new Dictionary<string, IndicatorHit>(StringComparer.Ordinal);
        var domains = new Dictionary<string, IndicatorHit>(StringComparer.Ordinal);
        var v4 = new SortedDictionary<int, Dictionary<UInt128, IndicatorHit>>();
        var v6 = new SortedDictionary<int, Dictionary<UInt128, IndicatorHit>>();
        foreach (var hit in indicators)
        {
            switch (hit.Indicator.Kind)
            {
                case IndicatorKind.Sha256:
                    hashes.TryAdd(hit.Indicator.Value, hit);
                    break;
                case IndicatorKind.Domain:
                    domains.TryAdd(hit.Indicator.Value, hit);
                    break;
                default:
                    if (TryParseNetworkValue(hit.Indicator.Value, out var address, out var prefix))
                    {
                        var tables = address.AddressFamily == AddressFamily.InterNetwork ? v4 : v6;
                        if (!tables.TryGetValue(prefix, out var table))
                        {
                            tables[prefix] = table = [];
                        }

                        table.TryAdd(ToNumber(Mask(address, prefix)), hit);
                    }

                    break;
            }
        }

        // Longest prefix first, so the most specific listing is the one reported.
        return new IndicatorSet(hashes, domains,
            [.. v4.Reverse().Select(p => (p.Key, p.Value))],
            [.. v6.Reverse().Select(p => (p.Key, p.Value))]);
    }

    public bool TryMatchHash(string? sha256, out IndicatorHit hit)
    {
        hit = default;
        return sha256 is { Length: 64 } && _hashes.Count > 0
            && _hashes.TryGetValue(sha256.ToLowerInvariant(), out hit);
    }

    public bool TryMatchAddress(string? ip, out IndicatorHit hit)
    {
        hit = default;
        if (string.IsNullOrEmpty(ip) || (_v4.Length == 0 && _v6.Length == 0) || !IPAddress.TryParse(ip, out var address))
        {
            return false;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        foreach (var (prefix, table) in address.AddressFamily == AddressFamily.InterNetwork ? _v4 : _v6)
        {
            if (table.TryGetValue(ToNumber(Mask(address, prefix)), out hit))
            {
                return true;
            }
        }

        return false;
    }

    public bool TryMatchDomain(string? domain, out IndicatorHit hit)
    {
        hit = default;
        if (string.IsNullOrEmpty(domain) || _domains.Count == 0)
        {
            return false;
        }

        var name = domain.TrimEnd('.').ToLowerInvariant();
        while (true)
        {
            if (_domains.TryGetValue(name, out hit))
            {
                return true;
            }

            var dot = name.IndexOf('.', StringComparison.Ordinal);
            if (dot < 0)
            {
                return false;
            }

            name = name[(dot + 1)..];
        }
    }

    /// <summary>The address with every bit after <paramref name="prefix"/> cleared.</summary>
    internal static IPAddress Mask(IPAddress address, int prefix)
    {
        var bytes = address.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(prefix - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xFF00 >> keep);
        }

        return new IPAddress(bytes);
    }

    private static UInt128 ToNumber(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var length);
        return length == 4
            ? BinaryPrimitives.ReadUInt32BigEndian(bytes)
            : BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    private static bool TryParseNetworkValue(string value, out IPAddress address, out int prefix)
    {
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        if (!IndicatorParser.TryParseAddress(slash < 0 ? value : value.AsSpan(0, slash), out address))
        {
            prefix = 0;
            return false;
        }

        var bits = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        prefix = slash < 0 ? bits : int.Parse(value.AsSpan(slash + 1), System.Globalization.CultureInfo.InvariantCulture);
        return prefix >= 0 && prefix <= bits;
    }
}
