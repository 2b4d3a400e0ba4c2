using System.Net;
using System.Net.Sockets;

namespace Atalaya.Core.Analytics;

/// <summary>
/// Classifies IPv4 and IPv6 addresses (RFC 1918, 6598, 3927, 5737, 4193, 3849...). IPv4-mapped
/// IPv6 addresses are classified as the IPv4 address they carry.
/// </summary>
public static class AddressClassifier
{
    public static AddressClass Classify(string? text) =>
        text is not null && IPAddress.TryParse(text, out var address) ? Classify(address) : AddressClass.Unspecified;

    public static AddressClass Classify(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        Span<byte> b = stackalloc byte[16];
        if (!address.TryWriteBytes(b, out var length))
        {
            return AddressClass.Unspecified;
        }

        return address.AddressFamily == AddressFamily.InterNetwork && length == 4
            ? ClassifyV4(b[..4])
            : ClassifyV6(b[..16]);
    }

    public static bool IsPublic(string? text) => Classify(text) == AddressClass.Public;

    private static AddressClass ClassifyV4(ReadOnlySpan<byte> b) => b switch
    {
        [0, ..] => AddressClass.Unspecified,
        [127, ..] => AddressClass.Loopback,
        [10, ..] => AddressClass.Private,
        [172, >= 16 and <= 31, ..] => AddressClass.Private,
        [192, 168, ..] => AddressClass.Private,
        [100, >= 64 and <= 127, ..] => AddressClass.CarrierGradeNat,
        [169, 254, ..] => AddressClass.LinkLocal,
        [>= 224 and <= 239, ..] => AddressClass.Multicast,
        [192, 0, 2, _] or [198, 51, 100, _] or [203, 0, 113, _] => AddressClass.Documentation,
        [255, 255, 255, 255] => AddressClass.Multicast,
        _ => AddressClass.Public,
    };

    private static AddressClass ClassifyV6(ReadOnlySpan<byte> b)
    {
        if (b.IndexOfAnyExcept((byte)0) < 0)
        {
            return AddressClass.Unspecified;
        }

        if (b[..15].IndexOfAnyExcept((byte)0) < 0 && b[15] == 1)
        {
            return AddressClass.Loopback;
        }

        return b switch
        {
            [0xfe, >= 0x80 and <= 0xbf, ..] => AddressClass.LinkLocal,
            [0xff, ..] => AddressClass.Multicast,
            [>= 0xfc and <= 0xfd, ..] => AddressClass.Private,
            [0x20, 0x01, 0x0d, 0xb8, ..] => AddressClass.Documentation,
            _ => AddressClass.Public,
        };
    }
}
