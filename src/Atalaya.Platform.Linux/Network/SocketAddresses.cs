using System.Net;

namespace Atalaya.Platform.Linux.Network;

/// <summary>How an address is reported: IPv4-mapped IPv6 shown as IPv4, and how exposed a bind is.</summary>
internal static class SocketAddresses
{
    public const string Loopback = "loopback";
    public const string AllInterfaces = "all-interfaces";
    public const string SpecificAddress = "specific-address";

    /// <summary>
    /// A dual-stack socket talking to an IPv4 peer is listed in tcp6 as <c>::ffff:a.b.c.d</c>;
    /// analysts, rules and threat-intel lists know the peer as <c>a.b.c.d</c>.
    /// </summary>
    public static IPAddress ForReport(IPAddress address) =>
        address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    public static string NetworkType(IPAddress reported) =>
        reported.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? "ipv4" : "ipv6";

    public static bool IsUnspecified(IPAddress address) =>
        address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);

    /// <summary>Exposure of a bound address (already in report form): 127.0.0.0/8 and ::1 are loopback.</summary>
    public static string Exposure(IPAddress reported)
    {
        if (IPAddress.IsLoopback(reported))
        {
            return Loopback;
        }

        return IsUnspecified(reported) ? AllInterfaces : SpecificAddress;
    }
}
