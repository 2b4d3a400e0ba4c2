using System.Net;
using Atalaya.Core.Analytics.Network;
using Atalaya.Core.Schema;

namespace Atalaya.Platform.Linux.Network.Names;

/// <summary>
/// Completes network events as they are built, without waiting on anything: the remote
/// address's name (<c>destination.domain</c>, from <see cref="AddressNames"/>), the server port's
/// service name (<c>network.protocol</c>: /etc/services, else the port catalog's category), and
/// whether a package owns the owner's executable (<c>atalaya.process.package</c> and
/// <c>atalaya.process.packaged</c>). A name that is not known yet is simply absent; reverse
/// lookups are queued and later events carry the name.
/// </summary>
internal sealed class NetworkEventEnricher
{
    private readonly AddressNames? _names;
    private readonly ServiceNames? _services;
    private readonly PortCatalog? _ports;
    private readonly Func<string, string?>? _packageOwner;

    /// <param name="names">Address names; null leaves destination.domain alone.</param>
    /// <param name="services">/etc/services; null leaves network.protocol to the catalog.</param>
    /// <param name="ports">The security port catalog, naming ports /etc/services does not.</param>
    /// <param name="packageOwner">The package owning a path, or null when none does; null when no package database is readable (nothing is claimed then).</param>
    public NetworkEventEnricher(AddressNames? names, ServiceNames? services, PortCatalog? ports, Func<string, string?>? packageOwner)
    {
        _names = names;
        _services = services;
        _ports = ports;
        _packageOwner = packageOwner;
    }

    public EcsEvent Enrich(EcsEvent value)
    {
        var destination = value.Destination;
        if (_names is not null && destination is { Domain: null, Ip: { } ip } && IPAddress.TryParse(ip, out var address)
            && _names.TryGetName(address, out var name, out _))
        {
            destination = destination with { Domain = name };
        }

        var network = value.Network;
        if (network is { Protocol: null, Transport: { } transport } && ServerPort(value) is { } port && ProtocolOf(port, transport) is { } protocol)
        {
            network = network with { Protocol = protocol };
        }

        var atalaya = value.Atalaya;
        if (_packageOwner is not null && value.Process?.Executable is { Length: > 0 } executable && atalaya?.Process?.Packaged is null)
        {
            var package = _packageOwner(executable);
            var process = (atalaya?.Process ?? new AtalayaProcessFields()) with { Package = package, Packaged = package is not null };
            atalaya = (atalaya ?? new AtalayaFields()) with { Process = process };
        }

        return ReferenceEquals(destination, value.Destination) && ReferenceEquals(network, value.Network) && ReferenceEquals(atalaya, value.Atalaya)
            ? value
            : value with { Destination = destination, Network = network, Atalaya = atalaya };
    }

    /// <summary>The service side of the socket: the local port of a listener or accepted connection, the remote port of an outgoing one.</summary>
    private static int? ServerPort(EcsEvent value) => value.Network?.Direction switch
    {
        "listening" or "ingress" => value.Source?.Port,
        "egress" => value.Destination?.Port,
        _ => null,
    };

    private string? ProtocolOf(int port, string transport)
    {
        if (_services?.TryGetName(port, transport, out var service) == true)
        {
            return service;
        }

        return _ports?.TryGet(port, out var entry) == true ? entry.Category : null;
    }
}
