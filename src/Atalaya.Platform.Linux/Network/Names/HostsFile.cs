using System.Net;

namespace Atalaya.Platform.Linux.Network.Names;

/// <summary>
/// Address → canonical name from <c>{root}/etc/hosts</c>, re-read when the file changes.
/// Thread-safe: the network sensors and the DNS sniffer ask from their own threads.
/// </summary>
internal sealed class HostsFile
{
    private readonly Lock _gate = new();
    private readonly ReloadingFile _file;
    private Dictionary<IPAddress, string> _names = [];

    public HostsFile(string root, TimeProvider time) =>
        _file = new ReloadingFile(Path.Join(root, "etc", "hosts"), time);

    public long MalformedLines { get; private set; }

    public bool TryGetName(IPAddress address, out string name)
    {
        lock (_gate)
        {
            if (_file.ReadIfChanged() is { } text)
            {
                var names = new Dictionary<IPAddress, string>();
                MalformedLines += HostsFileParser.Parse(text, names);
                _names = names;
            }

            return _names.TryGetValue(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address, out name!);
        }
    }
}
