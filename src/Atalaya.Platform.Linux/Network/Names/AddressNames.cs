using System.Net;
using Atalaya.Core.Analytics;

namespace Atalaya.Platform.Linux.Network.Names;

/// <summary>
/// The name of an address, from the best source that has one: a DNS answer seen on this host
/// (the name a program actually asked for), /etc/hosts, then reverse DNS (queued, filled on later
/// events). Never blocks. Thread-safe: the DNS sniffer learns on its thread while the network
/// sensors ask on theirs.
/// </summary>
internal sealed class AddressNames : IDisposable
{
    public const string SourceDns = "dns";
    public const string SourceHosts = "hosts";
    public const string SourceReverseDns = "reverse-dns";

    private readonly Lock _gate = new();
    private readonly BoundedEntityMap<IPAddress, LearnedName> _learned;
    private readonly HostsFile? _hosts;
    private readonly ReverseDnsCache? _reverse;

    public AddressNames(HostsFile? hosts, ReverseDnsCache? reverse, int capacity = 16_384)
    {
        _hosts = hosts;
        _reverse = reverse;
        _learned = new BoundedEntityMap<IPAddress, LearnedName>(capacity);
    }

    /// <summary>A DNS answer: <paramref name="address"/> is what <paramref name="name"/> resolved to, asked by <paramref name="querier"/> when known.</summary>
    public void Learn(IPAddress address, string name, string? querier)
    {
        lock (_gate)
        {
            _learned.Set(Normalize(address), new LearnedName(name, querier));
        }
    }

    public bool TryGetName(IPAddress address, out string name, out string source) => TryGetName(address, out name, out source, out _);

    /// <summary>The name and where it came from; <paramref name="querier"/> is the asking process of a sniffed answer.</summary>
    public bool TryGetName(IPAddress address, out string name, out string source, out string? querier)
    {
        address = Normalize(address);
        querier = null;
        lock (_gate)
        {
            if (_learned.TryGetValue(address, out var learned))
            {
                (name, source, querier) = (learned.Name, SourceDns, learned.Querier);
                return true;
            }
        }

        if (_hosts?.TryGetName(address, out name) == true)
        {
            source = SourceHosts;
            return true;
        }

        source = SourceReverseDns;
        name = "";

        // Loopback, link-local and multicast have no useful PTR; asking only adds lookups.
        var kind = AddressClassifier.Classify(address);
        return kind is not (AddressClass.Loopback or AddressClass.LinkLocal or AddressClass.Multicast or AddressClass.Unspecified)
               && _reverse?.TryGetName(address, out name) == true;
    }

    public void Dispose() => _reverse?.Dispose();

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private readonly record struct LearnedName(string Name, string? Querier);
}
