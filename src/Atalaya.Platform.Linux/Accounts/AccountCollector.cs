using System.Globalization;
using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Hashing;
using Atalaya.Platform.Linux.Host;

namespace Atalaya.Platform.Linux.Accounts;

/// <summary>
/// Local accounts and the traces of logins: diffs /etc/passwd, /etc/group and /etc/shadow (metadata
/// only, never hashes), follows wtmp and btmp (new records become login events; records that vanish
/// or are zeroed in place are tampering), checks each user's lastlog slot (a slot wiped after a login,
/// or the file cut short, is tampering), and watches each home's shell history for being emptied or
/// linked to /dev/null.
/// </summary>
/// <remarks>
/// The first pass is the baseline: accounts are published as state (<c>account-present</c>), and only
/// a history already linked to /dev/null is reported as an event then, since that is never normal.
/// A log that shrank keeping its inode was truncated in place (logrotate renames and creates a new
/// file, so a rotation changes the inode and is not reported).
/// </remarks>
public sealed class AccountCollector : IEventCollector, ISnapshotSource
{
    private static readonly string[] LoginLogs = ["/var/log/wtmp", "/var/log/btmp"];
    private const string LastlogPath = "/var/log/lastlog";
    private static readonly string[] HistoryFiles = [".bash_history", ".zsh_history", ".history", ".sh_history"];

    private readonly AccountCollectorOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly HostFields? _host;
    private readonly string _root;

    public AccountCollector(AccountCollectorOptions options, TimeProvider timeProvider, HostFields? host)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.Interval, TimeSpan.Zero);
        _options = options;
        _timeProvider = timeProvider;
        _host = host;
        _root = options.RootPrefix.TrimEnd('/');
    }

    public string Name => "account";

    public string Sensor => "etc-polling";

    public CollectorCounters Counters { get; } = new();

    public IReadOnlyList<EcsEvent> TakeSnapshot(CancellationToken cancellationToken)
    {
        var state = Read();
        var now = _timeProvider.GetUtcNow();
        var events = new List<EcsEvent>();
        foreach (var user in state.Users.Values)
        {
            events.Add(UserEvent(user, state, EventKinds.State, [EventTypes.User, EventTypes.Info], AccountActions.Present, now));
        }

        foreach (var (path, history) in state.Histories)
        {
            if (history.LinkedToNull)
            {
                events.Add(HistoryEvent(path, history, AccountActions.HistoryLinkedToNull, previousSize: null, now));
            }
        }

        return events;
    }

    public async Task RunAsync(IEventPublisher output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        try
        {
            foreach (var value in TakeSnapshot(cancellationToken))
            {
                Publish(output, value);
            }

            var previous = Read();
            using var timer = new PeriodicTimer(_options.Interval, _timeProvider);
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                var current = Read();
                foreach (var value in Diff(previous, current, _timeProvider.GetUtcNow()))
                {
                    Publish(output, value);
                }

                previous = current;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping is not a fault.
        }
    }

    /// <summary>Everything this collector compares between two passes.</summary>
    internal sealed record AccountState(
        Dictionary<string, PasswdEntry> Users,
        Dictionary<string, HashSet<string>> Groups,
        Dictionary<string, ShadowEntry> Shadow,
        Dictionary<string, LoginLogState> Logs,
        Dictionary<string, HistoryState> Histories)
    {
        /// <summary>/var/log/lastlog: its identity and each user's slot (null when the file is absent).</summary>
        public LastlogState? Lastlog { get; init; }
    }

    internal sealed record LastlogState(ulong Inode, long Size, Dictionary<string, LastlogEntry> Entries);

    internal readonly record struct LoginLogState(ulong Inode, long Size, int Records, int Zeroed, IReadOnlyList<UtmpRecord> NewRecords);

    internal readonly record struct HistoryState(string User, ulong Inode, long Size, bool LinkedToNull);

    internal AccountState Read()
    {
        var users = new Dictionary<string, PasswdEntry>(StringComparer.Ordinal);
        if (ReadText("/etc/passwd") is { } passwd)
        {
            var entries = PasswdParser.Parse(passwd, out var malformed);
            Counters.Increment("parse_errors", malformed);
            foreach (var entry in entries)
            {
                users.TryAdd(entry.Name, entry);
            }
        }

        var groups = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        if (ReadText("/etc/group") is { } group)
        {
            var entries = GroupParser.Parse(group, out var malformed);
            Counters.Increment("parse_errors", malformed);
            foreach (var entry in entries)
            {
                groups.TryAdd(entry.Name, new HashSet<string>(entry.Members, StringComparer.Ordinal));
            }
        }

        var shadow = new Dictionary<string, ShadowEntry>(StringComparer.Ordinal);
        if (ReadText("/etc/shadow") is { } shadowText)
        {
            var entries = ShadowParser.Parse(shadowText, out var malformed);
            Counters.Increment("parse_errors", malformed);
            foreach (var entry in entries)
            {
                shadow.TryAdd(entry.Name, entry);
            }
        }

        Counters.Increment("passes");
        return new AccountState(users, groups, shadow, ReadLogs(), ReadHistories(users.Values)) { Lastlog = ReadLastlog(users.Values) };
    }

    internal IEnumerable<EcsEvent> Diff(AccountState before, AccountState after, DateTimeOffset now)
    {
        foreach (var (name, user) in after.Users)
        {
            if (!before.Users.TryGetValue(name, out var old))
            {
                yield return UserEvent(user, after, EventKinds.Event, [EventTypes.User, EventTypes.Creation], AccountActions.UserAdded, now);
                continue;
            }

            if (old.Uid != user.Uid)
            {
                yield return UserEvent(user, after, EventKinds.Event, [EventTypes.User, EventTypes.Change], AccountActions.UidChanged, now);
            }

            if (!string.Equals(old.Shell, user.Shell, StringComparison.Ordinal))
            {
                yield return UserEvent(user, after, EventKinds.Event, [EventTypes.User, EventTypes.Change], AccountActions.ShellChanged, now, previousShell: old.Shell);
            }
        }

        foreach (var (name, user) in before.Users)
        {
            if (!after.Users.ContainsKey(name))
            {
                yield return UserEvent(user, before, EventKinds.Event, [EventTypes.User, EventTypes.Deletion], AccountActions.UserRemoved, now);
            }
        }

        foreach (var (group, members) in after.Groups)
        {
            var old = before.Groups.GetValueOrDefault(group) ?? [];
            foreach (var member in members.Where(m => !old.Contains(m)).Order(StringComparer.Ordinal))
            {
                yield return MembershipEvent(member, group, after, AccountActions.GroupMemberAdded, now);
            }

            foreach (var member in old.Where(m => !members.Contains(m)).Order(StringComparer.Ordinal))
            {
                yield return MembershipEvent(member, group, after, AccountActions.GroupMemberRemoved, now);
            }
        }

        foreach (var (name, entry) in after.Shadow)
        {
            if (before.Shadow.TryGetValue(name, out var old) && (old.Password != entry.Password || old.LastChanged != entry.LastChanged)
                && after.Users.TryGetValue(name, out var user))
            {
                yield return UserEvent(user, after, EventKinds.Event, [EventTypes.User, EventTypes.Change], AccountActions.PasswordChanged, now);
            }
        }

        foreach (var (path, log) in after.Logs)
        {
            if (before.Logs.TryGetValue(path, out var old) && old.Inode == log.Inode)
            {
                if (log.Size < old.Size)
                {
                    yield return LogEvent(path, AccountActions.LoginRecordsRemoved, old.Records, log.Records, now);
                }
                else if (log.Zeroed > old.Zeroed)
                {
                    yield return LogEvent(path, AccountActions.LoginRecordsZeroed, old.Zeroed, log.Zeroed, now);
                }
                else
                {
                    foreach (var record in log.NewRecords.Skip(old.Records))
                    {
                        if (LoginEvent(path, record) is { } login)
                        {
                            yield return login;
                        }
                    }
                }
            }
        }

        if (before.Lastlog is { } oldLast && after.Lastlog is { } newLast && oldLast.Inode == newLast.Inode)
        {
            if (newLast.Size < oldLast.Size)
            {
                yield return LogEvent(LastlogPath, AccountActions.LoginRecordsRemoved, oldLast.Size / LastlogParser.RecordSize,
                    newLast.Size / LastlogParser.RecordSize, now);
            }
            else
            {
                // login(1) only ever moves a user's slot forward; a slot that had a login and is now
                // empty was wiped (a log cleaner zeroing the user's record).
                var wiped = oldLast.Entries.Count(e => e.Value.Time is not null
                    && (!newLast.Entries.TryGetValue(e.Key, out var current) || current.Time is null) && after.Users.ContainsKey(e.Key));
                if (wiped > 0)
                {
                    yield return LogEvent(LastlogPath, AccountActions.LoginRecordsZeroed, 0, wiped, now);
                }
            }
        }

        foreach (var (path, history) in after.Histories)
        {
            var known = before.Histories.TryGetValue(path, out var old);
            if (history.LinkedToNull && (!known || !old.LinkedToNull))
            {
                yield return HistoryEvent(path, history, AccountActions.HistoryLinkedToNull, known ? old.Size : null, now);
            }
            else if (known && !history.LinkedToNull && !old.LinkedToNull && history.Inode == old.Inode && old.Size > 0
                     && (history.Size == 0 || history.Size < old.Size / 2))
            {
                // Shells append; only truncation (history -c && history -w, "> ~/.bash_history") shrinks the same file.
                yield return HistoryEvent(path, history, AccountActions.HistoryCleared, old.Size, now);
            }
        }
    }

    private Dictionary<string, LoginLogState> ReadLogs()
    {
        var logs = new Dictionary<string, LoginLogState>(StringComparer.Ordinal);
        foreach (var path in LoginLogs)
        {
            var full = _root + path;
            if (!FileIdentity.TryGet(full, out var identity))
            {
                continue;
            }

            byte[] data;
            try
            {
                // wtmp grows by 384 bytes a login; even a busy server's is a few MiB, rotated monthly.
                data = File.ReadAllBytes(full);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Counters.Increment("files_unreadable");
                continue;
            }

            var records = new List<UtmpRecord>(data.Length / UtmpParser.RecordSize);
            var zeroed = 0;
            for (var offset = 0; offset + UtmpParser.RecordSize <= data.Length; offset += UtmpParser.RecordSize)
            {
                var slice = data.AsSpan(offset, UtmpParser.RecordSize);
                if (UtmpParser.IsZeroed(slice))
                {
                    zeroed++;
                }

                // Keep positions aligned with the file: an unparsable record is a placeholder.
                records.Add(UtmpParser.TryParse(slice, out var record) ? record : new UtmpRecord(0, 0, "", "", "", DateTimeOffset.UnixEpoch, null));
            }

            if (data.Length % UtmpParser.RecordSize != 0)
            {
                Counters.Increment("utmp_partial_records");
            }

            logs[path] = new LoginLogState(identity.Inode, data.Length, records.Count, zeroed, records);
        }

        return logs;
    }

    /// <summary>Each known user's lastlog slot, read at its offset (the file is sparse and may be huge).</summary>
    private LastlogState? ReadLastlog(IEnumerable<PasswdEntry> users)
    {
        var full = _root + LastlogPath;
        if (!FileIdentity.TryGet(full, out var identity))
        {
            return null;
        }

        var entries = new Dictionary<string, LastlogEntry>(StringComparer.Ordinal);
        var record = new byte[LastlogParser.RecordSize];
        try
        {
            using var handle = File.OpenHandle(full);
            var size = RandomAccess.GetLength(handle);
            foreach (var user in users)
            {
                var offset = (long)user.Uid * LastlogParser.RecordSize;
                if (offset + LastlogParser.RecordSize > size)
                {
                    continue;
                }

                if (RandomAccess.Read(handle, record, offset) == LastlogParser.RecordSize && LastlogParser.TryParse(record, out var entry))
                {
                    entries[user.Name] = entry;
                }
            }

            return new LastlogState(identity.Inode, size, entries);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Counters.Increment("files_unreadable");
            return null;
        }
    }

    private Dictionary<string, HistoryState> ReadHistories(IEnumerable<PasswdEntry> users)
    {
        var histories = new Dictionary<string, HistoryState>(StringComparer.Ordinal);
        foreach (var user in users)
        {
            if (user.Home.Length <= 1 || user.Home == "/nonexistent")
            {
                continue;
            }

            foreach (var name in HistoryFiles)
            {
                var path = user.Home.TrimEnd('/') + "/" + name;
                var full = _root + path;
                var info = new FileInfo(full);
                string? link;
                try
                {
                    link = info.LinkTarget;
                }
                catch (IOException)
                {
                    continue;
                }

                if (link is not null)
                {
                    histories[path] = new HistoryState(user.Name, 0, 0, link == "/dev/null");
                    continue;
                }

                if (FileIdentity.TryGet(full, out var identity))
                {
                    histories[path] = new HistoryState(user.Name, identity.Inode, identity.Size, false);
                }
            }
        }

        return histories;
    }

    private string? ReadText(string path)
    {
        try
        {
            return File.ReadAllText(_root + path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Counters.Increment("files_unreadable");
            return null;
        }
    }

    private void Publish(IEventPublisher output, EcsEvent value)
    {
        output.Publish(value);
        Counters.Increment("events_published");
    }

    private EcsEvent UserEvent(PasswdEntry user, AccountState state, string kind, IReadOnlyList<string> types, string action, DateTimeOffset now,
        string? previousShell = null)
    {
        state.Shadow.TryGetValue(user.Name, out var shadow);
        return Base(now, kind, EventCategories.Iam, types, action) with
        {
            User = new UserFields { Id = user.Uid.ToString(CultureInfo.InvariantCulture), Name = user.Name },
            Related = new RelatedFields { User = [user.Name] },
            Atalaya = new AtalayaFields
            {
                Account = new AtalayaAccountFields
                {
                    Shell = user.Shell,
                    PreviousShell = previousShell,
                    Home = user.Home,
                    PasswordState = shadow is null ? null : shadow.Password.ToString().ToLowerInvariant(),
                    PasswordChanged = shadow?.LastChanged,
                },
            },
        };
    }

    private EcsEvent MembershipEvent(string member, string group, AccountState state, string action, DateTimeOffset now)
    {
        state.Users.TryGetValue(member, out var user);
        return Base(now, EventKinds.Event, EventCategories.Iam, [EventTypes.Group, EventTypes.Change], action) with
        {
            User = new UserFields { Id = user?.Uid.ToString(CultureInfo.InvariantCulture), Name = member },
            Related = new RelatedFields { User = [member] },
            Atalaya = new AtalayaFields { Account = new AtalayaAccountFields { Group = group, Shell = user?.Shell, Home = user?.Home } },
        };
    }

    private EcsEvent LogEvent(string path, string action, long before, long after, DateTimeOffset now) =>
        Base(now, EventKinds.Event, EventCategories.File, [EventTypes.Change, EventTypes.Deletion], action) with
        {
            File = new FileFields { Path = path, Name = path[(path.LastIndexOf('/') + 1)..] },
            Atalaya = new AtalayaFields { Account = new AtalayaAccountFields { PreviousRecords = before, Records = after } },
        };

    private EcsEvent HistoryEvent(string path, HistoryState history, string action, long? previousSize, DateTimeOffset now) =>
        Base(now, EventKinds.Event, EventCategories.File, [EventTypes.Change], action) with
        {
            File = new FileFields
            {
                Path = path,
                Name = path[(path.LastIndexOf('/') + 1)..],
                Size = history.Size,
                TargetPath = history.LinkedToNull ? "/dev/null" : null,
            },
            User = new UserFields { Name = history.User },
            Related = new RelatedFields { User = [history.User] },
            Atalaya = new AtalayaFields { Account = new AtalayaAccountFields { PreviousRecords = previousSize, Records = history.Size } },
        };

    private EcsEvent? LoginEvent(string path, UtmpRecord record)
    {
        var failed = path.EndsWith("btmp", StringComparison.Ordinal);
        if (!failed && record.Type != UtmpRecord.UserProcess)
        {
            return null;
        }

        return Base(record.Time, EventKinds.Event, EventCategories.Authentication, [EventTypes.Start], failed ? AccountActions.LoginFailed : AccountActions.Login) with
        {
            Event = new EventFields
            {
                Kind = EventKinds.Event,
                Category = [EventCategories.Authentication],
                Type = [EventTypes.Start],
                Action = failed ? AccountActions.LoginFailed : AccountActions.Login,
                Dataset = Datasets.Account,
                Module = "atalaya",
                Outcome = failed ? EventOutcomes.Failure : EventOutcomes.Success,
            },
            User = new UserFields { Name = record.User },
            Source = record.Address is null && record.Host.Length == 0 ? null : new EndpointFields { Ip = record.Address, Domain = record.Host.Length == 0 ? null : record.Host },
            Process = record.Pid > 0 ? new ProcessFields { Pid = record.Pid } : null,
            File = new FileFields { Path = path },
            Related = new RelatedFields { User = [record.User], Ip = record.Address is null ? null : [record.Address] },
        };
    }

    private EcsEvent Base(DateTimeOffset now, string kind, string category, IReadOnlyList<string> types, string action) => new()
    {
        Timestamp = now,
        Event = new EventFields { Kind = kind, Category = [category], Type = types, Action = action, Dataset = Datasets.Account, Module = "atalaya" },
        Host = _host,
    };
}
