using System.Net;

namespace Atalaya.Core.Analytics.Network;

/// <summary>
/// Address blocks this organisation counts as its own (config <c>internal_networks</c>, the
/// seed's INTERNAL_IP_RANGES_CIDR), beyond the private ranges every host has. An address inside
/// them is "internal", never "public", so egress analytics do not read a company's own public
/// block (a DMZ, a VPN pool, a cloud VPC with public addresses) as the internet.
/// </summary>
public sealed class InternalNetworks
{
    private readonly IPNetwork[] _networks;

    private InternalNetworks(IPNetwork[] networks) => _networks = networks;

    public static InternalNetworks None { get; } = new([]);

    public IReadOnlyList<IPNetwork> Networks => _networks;

    /// <summary>
    /// Parses CIDR blocks ("10.20.0.0/16", "2001:db8:1::/48"; a bare address is a /32 or /128).
    /// false with the offending entry in <paramref name="error"/>; host bits set are an error too,
    /// because "10.1.2.3/8" is usually a typo for something narrower.
    /// </summary>
    public static bool TryParse(IEnumerable<string> cidrs, out InternalNetworks networks, out string? error)
    {
        ArgumentNullException.ThrowIfNull(cidrs);
        var parsed = new List<IPNetwork>();
        foreach (var raw in cidrs)
        {
            var text = raw.AsSpan().Trim();
            if (text.IsEmpty)
            {
                continue;
            }

            if (text.IndexOf('/') < 0 && IPAddress.TryParse(text, out var single))
            {
                parsed.Add(new IPNetwork(single, single.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
                continue;
            }

            if (!IPNetwork.TryParse(text, out var network))
            {
                networks = None;
                error = $"'{raw}' is not an address block in CIDR form (e.g. 10.20.0.0/16)";
                return false;
            }

            // IPNetwork.TryParse (.NET 10) accepts host bits and masks them away, so check the text's own address.
            var slash = text.IndexOf('/');
            if (slash < 0 || !IPAddress.TryParse(text[..slash], out var written) || !written.Equals(network.BaseAddress))
            {
                networks = None;
                error = $"'{raw}' is not an address block: bits are set past the /{network.PrefixLength.ToString(System.Globalization.CultureInfo.InvariantCulture)} prefix (the block is {network})";
                return false;
            }

            parsed.Add(network);
        }

        networks = new InternalNetworks([.. parsed]);
        error = null;
        return true;
    }

    /// <summary>The seed's form: one comma-separated string.</summary>
    public static bool TryParse(string commaSeparated, out InternalNetworks networks, out string? error) =>
        TryParse((commaSeparated ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), out networks, out error);

    public bool Contains(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        foreach (var network in _networks)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>"internal" for a configured block, else the address class in words (public, private, loopback...).</summary>
    public string Scope(string? ip)
    {
        if (ip is null || !IPAddress.TryParse(ip, out var address))
        {
            return "unspecified";
        }

        return Contains(address) ? "internal" : AddressClassifier.Classify(address).ToString().ToLowerInvariant();
    }

    /// <summary>Public and not one of the configured internal blocks: the internet, for egress analytics.</summary>
    public bool IsPublic(string? ip) =>
        ip is not null && IPAddress.TryParse(ip, out var address) && AddressClassifier.Classify(address) == AddressClass.Public && !Contains(address);
}
