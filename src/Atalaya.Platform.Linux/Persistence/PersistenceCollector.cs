using System.Globalization;
using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Hashing;

namespace Atalaya.Platform.Linux.Persistence;

/// <summary>
/// Inventories the persistence places every interval and publishes the differences.
/// </summary>
/// <remarks>
/// The first inventory is the baseline: its entries are published as state
/// (<c>event.kind: state</c>, action <c>persistence-present</c>), not as "added", because the agent
/// cannot know whether they appeared a minute or a year ago. Later inventories publish
/// <c>persistence-added</c>, <c>persistence-changed</c> and <c>persistence-removed</c> events, which the
/// persistence analytic scores. A restart of the agent re-baselines; the baseline issue makes that
/// durable. A change made and reverted within one interval is not seen: fanotify on the same paths
/// (the file-integrity sensor) covers that case.
/// </remarks>
public sealed class PersistenceCollector : IEventCollector, ISnapshotSource
{
    public const string ActionPresent = "persistence-present";
    public const string ActionAdded = "persistence-added";
    public const string ActionChanged = "persistence-changed";
    public const string ActionRemoved = "persistence-removed";

    private readonly PersistenceCollectorOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly HostFields? _host;
    private readonly PersistenceInventory _inventory;
    private readonly Dictionary<string, DateTimeOffset> _firstSeen = new(StringComparer.Ordinal);

    /// <param name="packageOwner">Optional host path → owning package (null: none); see <see cref="PersistenceInventory"/>.</param>
    public PersistenceCollector(PersistenceCollectorOptions options, TimeProvider timeProvider, HostFields? host, ExecutableHashCache hashes,
        Func<string, string?>? packageOwner = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.Interval, TimeSpan.Zero);
        _options = options;
        _timeProvider = timeProvider;
        _host = host;
        _inventory = new PersistenceInventory(options.RootPrefix, hashes, Counters, packageOwner);
    }

    public string Name => "persistence";

    public string Sensor => "persistence-polling";

    public CollectorCounters Counters { get; } = new();

    /// <summary>Every entry now, as state events. Does not move the baseline of a running collector.</summary>
    public IReadOnlyList<EcsEvent> TakeSnapshot(CancellationToken cancellationToken)
    {
        var now = _timeProvider.GetUtcNow();
        return _inventory.Read(cancellationToken)
            .Select(e => BuildEvent(e, EventKinds.State, EventTypes.Info, ActionPresent, now, firstSeen: null, previous: null))
            .ToList();
    }

    public async Task RunAsync(IEventPublisher output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        try
        {
            var now = _timeProvider.GetUtcNow();
            var previous = Index(_inventory.Read(cancellationToken));
            foreach (var entry in previous.Values)
            {
                var firstSeen = FirstSeen(entry.Key, now);
                Publish(output, BuildEvent(entry, EventKinds.State, EventTypes.Info, ActionPresent, now, firstSeen, previous: null));
            }

            using var timer = new PeriodicTimer(_options.Interval, _timeProvider);
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                var current = Index(_inventory.Read(cancellationToken));
                PublishDiff(output, previous, current, _timeProvider.GetUtcNow());
                previous = current;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping is not a fault.
        }
    }

    /// <summary>The events one inventory produces against the previous one (used by RunAsync and tests).</summary>
    internal void PublishDiff(IEventPublisher output, Dictionary<string, PersistenceEntry> previous, Dictionary<string, PersistenceEntry> current, DateTimeOffset now)
    {
        foreach (var (key, entry) in current)
        {
            if (!previous.TryGetValue(key, out var before))
            {
                Publish(output, BuildEvent(entry, EventKinds.Event, EventTypes.Creation, ActionAdded, now, FirstSeen(key, now), previous: null));
                Counters.Increment("entries_added");
            }
            else if (!entry.SameAs(before))
            {
                Publish(output, BuildEvent(entry, EventKinds.Event, EventTypes.Change, ActionChanged, now, FirstSeen(key, now), before));
                Counters.Increment("entries_changed");
            }
        }

        foreach (var (key, entry) in previous)
        {
            if (!current.ContainsKey(key))
            {
                Publish(output, BuildEvent(entry, EventKinds.Event, EventTypes.Deletion, ActionRemoved, now, _firstSeen.GetValueOrDefault(key), previous: null));
                _firstSeen.Remove(key);
                Counters.Increment("entries_removed");
            }
        }
    }

    internal static Dictionary<string, PersistenceEntry> Index(IReadOnlyList<PersistenceEntry> entries)
    {
        var index = new Dictionary<string, PersistenceEntry>(entries.Count, StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            index[entry.Key] = entry;
        }

        return index;
    }

    private DateTimeOffset FirstSeen(string key, DateTimeOffset now)
    {
        if (!_firstSeen.TryGetValue(key, out var seen))
        {
            seen = now;
            _firstSeen[key] = seen;
        }

        return seen;
    }

    private void Publish(IEventPublisher output, EcsEvent value)
    {
        output.Publish(value);
        Counters.Increment("events_published");
    }

    private EcsEvent BuildEvent(PersistenceEntry entry, string kind, string type, string action, DateTimeOffset now, DateTimeOffset? firstSeen,
        PersistenceEntry? previous) => new()
    {
        Timestamp = now,
        Event = new EventFields
        {
            Kind = kind,
            Category = [EventCategories.Configuration],
            Type = [type],
            Action = action,
            Dataset = Datasets.Persistence,
            Module = "atalaya",
        },
        Host = _host,
        File = new FileFields
        {
            Path = entry.Path,
            Name = entry.Path[(entry.Path.LastIndexOf('/') + 1)..],
            Size = entry.FileSize,
            Mtime = entry.FileMtime,
            Owner = entry.OwnerName,
            Uid = entry.OwnerUid?.ToString(CultureInfo.InvariantCulture),
            Mode = entry.Mode is { } mode ? Convert.ToString(mode, 8).PadLeft(4, '0') : null,
            TargetPath = entry.LinkTarget,
            Hash = entry.FileSha256 is null ? null : new HashFields { Sha256 = entry.FileSha256 },
        },
        Related = entry.TargetSha256 is null ? null : new RelatedFields { Hash = [entry.TargetSha256] },
        Atalaya = new AtalayaFields
        {
            Persistence = new AtalayaPersistenceFields
            {
                Kind = entry.Kind,
                Command = entry.Command,
                Schedule = entry.Schedule,
                User = entry.User,
                TargetExecutable = entry.TargetExecutable,
                TargetSha256 = entry.TargetSha256,
                TargetPackage = entry.TargetPackage,
                TargetPackaged = entry.PackageChecked ? entry.TargetPackage is not null : null,
                Detail = entry.Detail,
                FirstSeen = firstSeen,
                PreviousCommand = previous is not null && !string.Equals(previous.Command, entry.Command, StringComparison.Ordinal) ? previous.Command : null,
            },
        },
    };
}
