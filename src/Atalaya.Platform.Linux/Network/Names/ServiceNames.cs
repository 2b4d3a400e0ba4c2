namespace Atalaya.Platform.Linux.Network.Names;

/// <summary>
/// Port → service name from <c>{root}/etc/services</c> (per transport), re-read when the file
/// changes. Thread-safe.
/// </summary>
internal sealed class ServiceNames
{
    private readonly Lock _gate = new();
    private readonly ReloadingFile _file;
    private Dictionary<(int Port, string Transport), string> _names = [];

    public ServiceNames(string root, TimeProvider time) =>
        _file = new ReloadingFile(Path.Join(root, "etc", "services"), time);

    public long MalformedLines { get; private set; }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                Refresh();
                return _names.Count;
            }
        }
    }

    public bool TryGetName(int port, string transport, out string name)
    {
        lock (_gate)
        {
            Refresh();
            return _names.TryGetValue((port, transport), out name!);
        }
    }

    private void Refresh()
    {
        if (_file.ReadIfChanged() is { } text)
        {
            var names = new Dictionary<(int, string), string>();
            MalformedLines += ServicesFileParser.Parse(text, names);
            _names = names;
        }
    }
}
