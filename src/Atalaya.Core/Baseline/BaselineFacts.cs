using System.Net;
using System.Net.Sockets;
using Atalaya.Core.Schema;

namespace Atalaya.Core.Baseline;

/// <summary>
/// Turns events into baseline facts: a process event gives its executable (with hash) and its
/// parent→child pair; an egress network event its destination network (/24 or /64) and port; a
/// listening socket its port (with <c>destination.domain</c>, also its name and port); a persistence inventory event its entry. Destinations are kept at
/// network granularity because services behind load balancers and CDNs rotate addresses within a
/// block; a /32 baseline would call every rotation new.
/// </summary>
public static class BaselineFacts
{
    /// <summary>Appends the facts of <paramref name="value"/> to <paramref name="into"/>; returns how many.</summary>
    public static int Extract(EcsEvent value, List<BaselineKey> into)
    {
        if (value.Event.Kind == EventKinds.Alert || value.Event.Type.Contains(EventTypes.End) || value.Event.Category.Count == 0)
        {
            return 0;
        }

        var before = into.Count;
        var category = value.Event.Category[0];
        var executable = value.Process?.Executable is { Length: > 0 } exe ? exe : null;
        if (category == EventCategories.Process && executable is not null)
        {
            into.Add(new BaselineKey(BaselineKind.Executable, ExecutableValue(executable, value.Process!.Hash?.Sha256)));
            if (value.Process!.Parent?.Executable is { Length: > 0 } parent)
            {
                into.Add(new BaselineKey(BaselineKind.ParentChild, $"{parent} > {executable}"));
            }
        }
        else if (category == EventCategories.Network && executable is not null && value.Network is { } network)
        {
            var transport = network.Transport ?? "ip";
            if (network.Direction == "listening" && value.Source?.Port is { } listenPort)
            {
                into.Add(new BaselineKey(BaselineKind.Listener, $"{executable} :{listenPort}/{transport}"));
            }
            else if (network.Direction == "egress" && value.Destination?.Ip is { } ip && value.Destination.Port is { } port
                     && NetworkOf(ip) is { } block)
            {
                into.Add(new BaselineKey(BaselineKind.Destination, $"{executable} > {block} :{port}/{transport}"));

                // The name the program asked for, when known: stabler than the address block for
                // services behind CDNs, which move between blocks. Both are learned; a destination
                // is new only when neither is known (FirstSeenAnalytic).
                if (value.Destination.Domain is { Length: > 0 } domain)
                {
                    into.Add(new BaselineKey(BaselineKind.Destination, $"{executable} > {domain} :{port}/{transport}"));
                }
            }
        }
        else if (category == EventCategories.Configuration && value.Atalaya?.Persistence is { } persistence && value.File?.Path is { } path)
        {
            var runs = persistence.TargetSha256 ?? persistence.Command ?? persistence.TargetExecutable ?? "-";
            into.Add(new BaselineKey(BaselineKind.Persistence, $"{persistence.Kind ?? "entry"} {path} runs {runs}"));
        }

        return into.Count - before;
    }

    public static string ExecutableValue(string executable, string? sha256) => $"{executable} sha256:{sha256 ?? "-"}";

    /// <summary>The /24 of an IPv4 address or the /64 of an IPv6 one, in CIDR text; null when not an address.</summary>
    public static string? NetworkOf(string ip)
    {
        if (!IPAddress.TryParse(ip, out var address))
        {
            return null;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out var length))
        {
            return null;
        }

        var prefix = address.AddressFamily == AddressFamily.InterNetwork ? 24 : 64;
        var keep = prefix / 8;
        bytes[keep..length].Clear();
        return $"{new IPAddress(bytes[..length])}/{prefix}";
    }
}
