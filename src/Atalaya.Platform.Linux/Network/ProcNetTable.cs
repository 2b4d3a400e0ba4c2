namespace Atalaya.Platform.Linux.Network;

/// <summary>One of the four socket tables under <c>/proc/net</c>.</summary>
internal sealed record ProcNetTable(string FileName, string Transport, bool Ipv6)
{
    public static ProcNetTable Tcp { get; } = new("tcp", NetworkTransports.Tcp, Ipv6: false);

    public static ProcNetTable Tcp6 { get; } = new("tcp6", NetworkTransports.Tcp, Ipv6: true);

    public static ProcNetTable Udp { get; } = new("udp", NetworkTransports.Udp, Ipv6: false);

    public static ProcNetTable Udp6 { get; } = new("udp6", NetworkTransports.Udp, Ipv6: true);

    public static IReadOnlyList<ProcNetTable> All { get; } = [Tcp, Tcp6, Udp, Udp6];

    public bool IsUdp => Transport == NetworkTransports.Udp;
}

/// <summary>ECS <c>network.transport</c> values this source reports.</summary>
internal static class NetworkTransports
{
    public const string Tcp = "tcp";
    public const string Udp = "udp";
}
