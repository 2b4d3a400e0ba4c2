using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Packages;

namespace Atalaya.Platform.Linux.Services;

/// <summary>
/// Live service state where systemd runs: <c>systemctl show</c> every interval (an argument list, never a
/// shell), compared with the previous read; a new, changed or failed service is an event naming its
/// program, unit file and the package that owns the program. The first read is the baseline and reports
/// nothing. Where systemd is not the init system (containers, this project's VM) it says so in
/// <see cref="Sensor"/> and <see cref="StatusLine"/>, and the unit files stay covered by the persistence
/// inventory alone. It keeps checking, since systemd can be started later only by a reboot, cheaply.
/// </summary>
public sealed class ServiceCollector : IEventCollector
{
    public const string ActionAdded = "service-added";
    public const string ActionChanged = "service-changed";
    public const string ActionFailed = "service-failed";

    private readonly ServiceCollectorOptions _options;
    private readonly TimeProvider _time;
    private readonly HostFields? _host;
    private readonly IPackageDatabase? _packages;
    private readonly SystemctlReader _reader;
    private Dictionary<string, ServiceState>? _previous;

    public ServiceCollector(ServiceCollectorOptions options, TimeProvider time, HostFields? host, IPackageDatabase? packages = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.Interval, TimeSpan.Zero);
        _options = options;
        _time = time;
        _host = host;
        _packages = packages is { IsAvailable: true } ? packages : null;
        _reader = new SystemctlReader(options.Systemctl, options.RootPrefix);
    }

    public string Name => "services";

    public string Sensor => _reader.IsAvailable ? "systemctl-show" : "unit files only (systemd not running)";

    /// <summary>One line for <c>atalaya status</c>.</summary>
    public string StatusLine => _reader.IsAvailable
        ? $"services: live state from systemctl show ({Volatile.Read(ref _previous)?.Count ?? 0} units)"
        : "services: unit files only (systemd not running)";

    public CollectorCounters Counters { get; } = new();

    public async Task RunAsync(IEventPublisher output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        using var timer = new PeriodicTimer(_options.Interval, _time);
        do
        {
            if (!_reader.IsAvailable)
            {
                Counters.Increment("skipped-no-systemd");
                continue;
            }

            var options = _options;
            var states = await Task.Run(() => _reader.TryRead(options.Timeout), cancellationToken).ConfigureAwait(false);
            if (states is null)
            {
                Counters.Increment("systemctl-failed");
                continue;
            }

            Counters.Increment("reads");
            foreach (var change in Apply(states))
            {
                output.Publish(Build(change));
            }
        }
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Compares one read with the previous one (none at the first read) and keeps it as the next baseline.</summary>
    internal List<ServiceChange> Apply(IReadOnlyList<ServiceState> states)
    {
        var current = new Dictionary<string, ServiceState>(StringComparer.Ordinal);
        foreach (var state in states)
        {
            current[state.Id] = state;
        }

        var previous = _previous;
        Volatile.Write(ref _previous, current);
        if (previous is null)
        {
            Counters.Increment("baseline-units", current.Count);
            return [];
        }

        var changes = ServiceStateDiff.Compare(previous, states);
        Counters.Increment("changes", changes.Count);
        return changes;
    }

    internal EcsEvent Build(ServiceChange change)
    {
        var unit = change.Current;
        var (type, action) = change.Kind switch
        {
            ServiceChangeKind.Added => (EventTypes.Creation, ActionAdded),
            ServiceChangeKind.Failed => (EventTypes.Change, ActionFailed),
            _ => (EventTypes.Change, ActionChanged),
        };
        var owner = unit.ExecStart is { } program ? _packages?.FindOwner(program) : null;
        var detail = unit.Describe() + (change.Previous is { } before ? $" (was {before.Describe()})" : "");
        return new EcsEvent
        {
            Timestamp = _time.GetUtcNow(),
            Event = new EventFields
            {
                Kind = EventKinds.Event,
                Category = [EventCategories.Configuration],
                Type = [type],
                Action = action,
                Dataset = Datasets.Service,
                Module = "atalaya",
                Reason = $"{unit.Id}: {detail}",
            },
            Host = _host,
            File = unit.FragmentPath is { } fragment ? new FileFields { Path = fragment, Name = fragment[(fragment.LastIndexOf('/') + 1)..] } : null,
            Process = unit.MainPid is { } pid ? new ProcessFields { Pid = pid, Executable = unit.ExecStart } : null,
            Atalaya = new AtalayaFields
            {
                Persistence = new AtalayaPersistenceFields
                {
                    Kind = "systemd-service",
                    Command = unit.ExecStart,
                    TargetExecutable = unit.ExecStart,
                    TargetPackage = owner?.Name,
                    TargetPackaged = unit.ExecStart is null || _packages is null ? null : owner is not null,
                    Detail = detail,
                    PreviousCommand = change.Previous is { } previous && !string.Equals(previous.ExecStart, unit.ExecStart, StringComparison.Ordinal)
                        ? previous.ExecStart
                        : null,
                },
            },
        };
    }
}
