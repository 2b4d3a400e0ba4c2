using System.Net;
using System.Net.Sockets;

namespace Atalaya.Core.Detection.Sigma;

/// <summary>
/// <c>|cidr</c>: the field is an address inside one of the networks (IPv4 and IPv6). An IPv4
/// address written as IPv4-mapped IPv6 (<c>::ffff:10.0.0.1</c>, what dual-stack sockets report)
/// is compared as IPv4.
/// </summary>
internal sealed class CidrMatcher : ValueMatcher
{
    private readonly (byte[] Network, int Prefix)[] _networks;
    private readonly string _text;

    private CidrMatcher((byte[] Network, int Prefix)[] networks, string text)
    {
        _networks = networks;
        _text = text;
    }

    public static CidrMatcher Create(IReadOnlyList<string> values)
    {
        var networks = new List<(byte[], int)>();
        foreach (var value in values)
        {
            if (!TryParseNetwork(value, out var network, out var prefix))
            {
                throw new SigmaCompileException(SigmaCodes.Value, $"'{value}' is not a CIDR network (a.b.c.d/n or ipv6/n)", 0);
            }

            networks.Add((network, prefix));
        }

        return new CidrMatcher([.. networks], string.Join(", ", values));
    }

    public override string Describe() => "is in " + _text;

    public override bool MatchString(ReadOnlySpan<char> value)
    {
        if (!IPAddress.TryParse(value, out var address))
        {
            return false;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out var length))
        {
            return false;
        }

        foreach (var (network, prefix) in _networks)
        {
            if (network.Length == length && InNetwork(bytes[..length], network, prefix))
            {
                return true;
            }
        }

        return false;
    }

    public override bool MatchNumber(long value) => false;

    private static bool TryParseNetwork(string text, out byte[] network, out int prefix)
    {
        network = [];
        prefix = 0;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? text : text[..slash];
        if (!IPAddress.TryParse(addressText, out var address))
        {
            return false;
        }

        network = address.GetAddressBytes();
        var max = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (slash < 0)
        {
            prefix = max;
            return true;
        }

        return int.TryParse(text.AsSpan(slash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out prefix)
            && prefix >= 0 && prefix <= max;
    }

    private static bool InNetwork(ReadOnlySpan<byte> address, byte[] network, int prefix)
    {
        var full = prefix / 8;
        if (!address[..full].SequenceEqual(network.AsSpan(0, full)))
        {
            return false;
        }

        var rest = prefix % 8;
        if (rest == 0)
        {
            return true;
        }

        var mask = (byte)(0xFF << (8 - rest));
        return (address[full] & mask) == (network[full] & mask);
    }
}
