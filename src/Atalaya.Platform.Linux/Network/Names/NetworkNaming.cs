using Atalaya.Core.Analytics.Network;
using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Network.Dns;

namespace Atalaya.Platform.Linux.Network.Names;

/// <summary>
/// Everything that names addresses and ports for the network sensors, built once per agent:
/// /etc/hosts, /etc/services, the reverse-DNS cache and — when <c>sniffDns</c> and root — the DNS
/// answer sniffer. Pass <see cref="Enrich"/> as the network collectors' <c>Enrich</c> option.
/// </summary>
public sealed class NetworkNaming : IDisposable
{
    private readonly AddressNames _names;
    private readonly DnsSniffer? _sniffer;
    private readonly NetworkEventEnricher _enricher;

    /// <param name="root">Prefix of /etc (tests point it at a temporary tree); "/" on a host.</param>
    /// <param name="procRoot">Where procfs is mounted, to find which process asked a DNS question.</param>
    /// <param name="time">Clock for file rechecks and cache lifetimes.</param>
    /// <param name="ports">The security port catalog (names ports /etc/services does not); may be null.</param>
    /// <param name="packageOwner">The package owning a path (null: none does); null when no package database is readable.</param>
    /// <param name="sniffDns">Start the AF_PACKET DNS sniffer (the agent's run; not a one-shot scan).</param>
    /// <param name="reverseDns">Queue reverse lookups for addresses with no other name.</param>
    public NetworkNaming(string root, string procRoot, TimeProvider time, PortCatalog? ports, Func<string, string?>? packageOwner, bool sniffDns, bool reverseDns = true)
    {
        ArgumentNullException.ThrowIfNull(time);
        _names = new AddressNames(new HostsFile(root, time), reverseDns ? new ReverseDnsCache(time: time) : null);
        _enricher = new NetworkEventEnricher(_names, new ServiceNames(root, time), ports, packageOwner);
        if (sniffDns)
        {
            _sniffer = DnsSniffer.TryStart(_names, new UdpPortOwners(procRoot, time), out var reason);
            DnsSnifferUnavailable = reason;
        }
        else
        {
            DnsSnifferUnavailable = "disabled";
        }
    }

    /// <summary>Why DNS answers are not watched (null while the sniffer runs).</summary>
    public string? DnsSnifferUnavailable { get; }

    /// <summary>DNS answers learned so far.</summary>
    public long DnsAnswers => _sniffer?.Answers ?? 0;

    /// <summary>DNS answers that answered no query of this host, so taught nothing (forged ones among them).</summary>
    public long DnsAnswersUnsolicited => _sniffer?.Unsolicited ?? 0;

    public EcsEvent Enrich(EcsEvent value) => _enricher.Enrich(value);

    public void Dispose()
    {
        _sniffer?.Dispose();
        _names.Dispose();
    }
}
