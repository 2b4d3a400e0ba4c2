using System.Globalization;
using Atalaya.Core.Schema;

namespace Atalaya.Core.Analytics.Network;

/// <summary>
/// Two exposure facts about listeners, beside <see cref="ExposedListenerAnalytic"/> (which covers
/// user-writable paths):
/// <list type="bullet">
/// <item>a program no package owns listening on all interfaces (T1571): installed services come
/// from packages; a hand-copied or dropped binary serving the network is worth a look. Needs
/// <c>atalaya.process.packaged = false</c>, which is only set when the package database was read,
/// so "unknown" never counts as "unpackaged". User-writable paths are left to the other analytic
/// so one listener is not reported twice for one reason.</item>
/// <item>a remote-administration or database port reachable from the network (not loopback only):
/// context for T1133 (External Remote Services). Low alone — servers expose SSH on purpose — it
/// adds to other signals about the same process.</item>
/// </list>
/// Each (process, port) is reported once.
/// </summary>
public sealed class ListenerExposureAnalytic : IAnalytic
{
    public const string AnalyticId = "atalaya.analytic.listener-exposure";

    /// <summary>Admin and database ports whose exposure matters even without a catalog.</summary>
    public static readonly IReadOnlySet<int> DefaultSensitivePorts = new HashSet<int>
    {
        22, 23, 3389, 5900, 5901, 5985, 5986, 1433, 1521, 3306, 5432, 5984, 6379, 9042, 9200, 9300, 11211, 27017, 27018, 2375, 2376,
    };

    private readonly PortCatalog? _ports;
    private readonly BoundedEntityMap<(string Process, int Port, string Kind), bool> _reported = new(8192);

    /// <param name="ports">With a catalog, its remote-admin and database categories count as sensitive too, and name the service.</param>
    public ListenerExposureAnalytic(PortCatalog? ports = null) => _ports = ports;

    public string Id => AnalyticId;

    public string Name => "Listener exposure";

    public IReadOnlyCollection<string> Categories { get; } = [EventCategories.Network];

    public void Observe(EcsEvent value, ISignalSink signals)
    {
        if (value.Network?.Direction != "listening"
            || value.Event.Type.Contains(EventTypes.End)
            || value.Atalaya?.Network?.Exposure is not { } exposure
            || exposure is not ("all-interfaces" or "specific-address")
            || value.Source?.Port is not { } port)
        {
            return;
        }

        // A specific address can still be loopback only (127.0.0.2, ::1): not reachable from the network.
        if (exposure == "specific-address" && AddressClassifier.Classify(value.Source.Ip) == AddressClass.Loopback)
        {
            return;
        }

        var process = value.Process;
        var who = process is null ? "?" : EntityKeys.ForProcess(process);
        var transport = value.Network.Transport ?? "ip";
        var where = exposure == "all-interfaces" ? "all interfaces" : $"the address {value.Source.Ip}";

        if (exposure == "all-interfaces" && value.Atalaya?.Process?.Packaged == false
            && process is { Executable: { Length: > 0 } executable } && !PathClassifier.IsUserWritable(executable)
            && FirstTime(who, port, "unpackaged"))
        {
            signals.Emit(ProcessSignals.Make(this, value, "unpackaged", 40, 0.7, [Techniques.NonStandardPort],
                $"{PathClassifier.FileName(executable)} ({executable}), which no installed package owns, listens on all interfaces, {transport} port {port.ToString(CultureInfo.InvariantCulture)}",
                SignalDomain.Network));
        }

        if (IsSensitive(port, out var service) && FirstTime(who, port, "sensitive"))
        {
            var named = value.Network.Protocol is { Length: > 0 } protocol ? $"{protocol}, {service}" : service;
            signals.Emit(new Signal
            {
                SourceId = $"{Id}.sensitive-port",
                SourceName = Name,
                EntityKey = process is null ? $"listener:{port.ToString(CultureInfo.InvariantCulture)}/{transport}" : EntityKeys.ForProcess(process),
                Weight = 20,
                Confidence = 0.6,
                Domain = SignalDomain.Network,
                Detail = $"{ConnectionFacts.ProcessLabel(process)} exposes {transport} port {port.ToString(CultureInfo.InvariantCulture)} ({named}) on {where}, not only loopback",
                Techniques = ["T1133"],
                Timestamp = value.Timestamp,
                Subject = value,
            });
        }
    }

    private bool IsSensitive(int port, out string service)
    {
        if (_ports?.TryGet(port, out var entry) == true && entry.Category is "remote-admin" or "database")
        {
            service = entry.Label;
            return true;
        }

        service = "remote administration or database";
        return DefaultSensitivePorts.Contains(port);
    }

    private bool FirstTime(string process, int port, string kind)
    {
        if (_reported.TryGetValue((process, port, kind), out _))
        {
            return false;
        }

        _reported.Set((process, port, kind), true);
        return true;
    }
}
