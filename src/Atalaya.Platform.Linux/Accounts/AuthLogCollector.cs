using System.Text;
using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Hashing;

namespace Atalaya.Platform.Linux.Accounts;

/// <summary>
/// Follows /var/log/auth.log (sensor <c>auth-log-tail</c>): sshd logins and failures, sudo, su, and
/// the account tools, as authentication and iam events. Starts at the end of the file (history before
/// the agent is not replayed), follows rotation by inode, and reports a log truncated in place, which
/// rotation never does.
/// </summary>
/// <remarks>
/// Hosts without rsyslog keep these in the journal only: when the log file is absent and journald runs,
/// <c>journalctl -o json --follow</c> is read instead (sensor <c>journald</c>), and an entry whose
/// trusted sender uid (<c>_UID</c>) is not root is dropped and counted: sshd, sudo, su and the account
/// tools log as root, and any user can log under the name "sshd" with logger(1).
/// </remarks>
public sealed class AuthLogCollector : IEventCollector
{
    public const string ActionLogTruncated = "auth-log-truncated";

    private readonly AuthLogCollectorOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly HostFields? _host;
    private ulong _inode;
    private long _offset = -1;
    private string _partial = string.Empty;
    private readonly JournalctlFollower _journal;

    public AuthLogCollector(AuthLogCollectorOptions options, TimeProvider timeProvider, HostFields? host)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.Interval, TimeSpan.Zero);
        _options = options;
        _timeProvider = timeProvider;
        _host = host;
        _journal = new JournalctlFollower(options.Journalctl, options.RootPrefix);
    }

    public string Name => "auth";

    /// <summary>auth-log-tail, journald, or why neither source is there (status shows it).</summary>
    public string Sensor => File.Exists(_options.Path)
        ? "auth-log-tail"
        : _journal.IsAvailable
            ? "journald"
            : $"auth-log-tail (waiting: no {_options.Path}, journald not running)";

    public CollectorCounters Counters { get; } = new();

    public async Task RunAsync(IEventPublisher output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (!File.Exists(_options.Path) && _journal.IsAvailable)
        {
            await FollowJournalAsync(output, cancellationToken).ConfigureAwait(false);
            return;
        }

        try
        {
            Poll(output, fromStart: false);
            using var timer = new PeriodicTimer(_options.Interval, _timeProvider);
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                Poll(output, fromStart: false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping is not a fault.
        }
    }

    /// <summary>One pass: reads what was appended since the last pass. <paramref name="fromStart"/> reads an unseen file from byte 0.</summary>
    internal void Poll(IEventPublisher output, bool fromStart)
    {
        if (!FileIdentity.TryGet(_options.Path, out var identity))
        {
            return;
        }

        var now = _timeProvider.GetUtcNow();
        if (_offset < 0)
        {
            _inode = identity.Inode;
            _offset = fromStart ? 0 : identity.Size;
        }
        else if (identity.Inode != _inode)
        {
            // Rotated: the new file is read from its start.
            Counters.Increment("rotations");
            _inode = identity.Inode;
            _offset = 0;
            _partial = string.Empty;
        }
        else if (identity.Size < _offset)
        {
            Publish(output, new EcsEvent
            {
                Timestamp = now,
                Event = new EventFields
                {
                    Kind = EventKinds.Event, Category = [EventCategories.File], Type = [EventTypes.Change, EventTypes.Deletion],
                    Action = ActionLogTruncated, Dataset = Datasets.Authentication, Module = "atalaya",
                },
                Host = _host,
                File = new FileFields { Path = _options.Path, Name = System.IO.Path.GetFileName(_options.Path), Size = identity.Size },
                Atalaya = new AtalayaFields { Account = new AtalayaAccountFields { PreviousRecords = _offset, Records = identity.Size } },
            });
            _offset = 0;
            _partial = string.Empty;
        }

        if (identity.Size <= _offset)
        {
            return;
        }

        string chunk;
        try
        {
            using var handle = File.OpenHandle(_options.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var length = (int)Math.Min(identity.Size - _offset, _options.MaxBytesPerPass);
            var buffer = new byte[length];
            var read = RandomAccess.Read(handle, buffer, _offset);
            _offset += read;
            chunk = Encoding.UTF8.GetString(buffer, 0, read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Counters.Increment("read_errors");
            return;
        }

        var text = _partial + chunk;
        var lastNewline = text.LastIndexOf('\n');
        _partial = lastNewline < 0 ? text : text[(lastNewline + 1)..];
        if (lastNewline < 0)
        {
            return;
        }

        foreach (var line in text.AsSpan(0, lastNewline).EnumerateLines())
        {
            if (line.IsWhiteSpace())
            {
                continue;
            }

            Counters.Increment("lines");
            if (!SyslogLineParser.TryParse(line, now, out var syslog))
            {
                Counters.Increment("parse_errors");
                continue;
            }

            if (AuthMessageParser.TryParse(syslog.Program, syslog.Message, out var record))
            {
                Publish(output, BuildEvent(syslog, record));
            }
        }
    }

    private async Task FollowJournalAsync(IEventPublisher output, CancellationToken cancellationToken)
    {
        try
        {
            var exit = await _journal.FollowAsync(line => HandleJournalLine(output, line.Span), cancellationToken).ConfigureAwait(false);
            // journalctl --follow only ends when journald went away or refused us: a fault for the supervisor to restart.
            throw new InvalidOperationException($"journalctl exited with code {exit}" + (_journal.LastError is { } why ? ": " + why : string.Empty));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One <c>journalctl -o json</c> line: parsed, checked for a root sender, and published when it is an auth record.</summary>
    internal void HandleJournalLine(IEventPublisher output, ReadOnlySpan<byte> line)
    {
        if (line.IsEmpty)
        {
            return;
        }

        Counters.Increment("lines");
        if (!JournalJsonParser.TryParse(line, out var entry))
        {
            Counters.Increment("parse_errors");
            return;
        }

        if (entry.SenderUid is not 0)
        {
            Counters.Increment("journal_untrusted_sender");
            return;
        }

        if (AuthMessageParser.TryParse(entry.Program, entry.Message, out var record))
        {
            Publish(output, BuildEvent(entry.ToSyslogLine(), record));
        }
    }

    private void Publish(IEventPublisher output, EcsEvent value)
    {
        output.Publish(value);
        Counters.Increment("events_published");
    }

    internal EcsEvent BuildEvent(SyslogLine line, AuthRecord record)
    {
        var (category, type, action, outcome) = record.Kind switch
        {
            AuthRecordKind.SshAccepted => (EventCategories.Authentication, EventTypes.Start, AccountActions.SshAccepted, EventOutcomes.Success),
            AuthRecordKind.SshFailed => (EventCategories.Authentication, EventTypes.Start, AccountActions.SshFailed, EventOutcomes.Failure),
            AuthRecordKind.SshInvalidUser => (EventCategories.Authentication, EventTypes.Start, AccountActions.SshInvalidUser, EventOutcomes.Failure),
            AuthRecordKind.SudoCommand => (EventCategories.Authentication, EventTypes.Start, AccountActions.Sudo, EventOutcomes.Success),
            AuthRecordKind.SudoFailed => (EventCategories.Authentication, EventTypes.Start, AccountActions.SudoFailed, EventOutcomes.Failure),
            AuthRecordKind.SuSession => (EventCategories.Authentication, EventTypes.Start, AccountActions.Su, EventOutcomes.Success),
            AuthRecordKind.SuFailed => (EventCategories.Authentication, EventTypes.Start, AccountActions.SuFailed, EventOutcomes.Failure),
            AuthRecordKind.UserAdded => (EventCategories.Iam, EventTypes.Creation, AccountActions.UserAddedLogged, EventOutcomes.Success),
            AuthRecordKind.UserDeleted => (EventCategories.Iam, EventTypes.Deletion, AccountActions.UserDeletedLogged, EventOutcomes.Success),
            AuthRecordKind.GroupAdded => (EventCategories.Iam, EventTypes.Creation, AccountActions.GroupAddedLogged, EventOutcomes.Success),
            AuthRecordKind.GroupMemberAdded => (EventCategories.Iam, EventTypes.Change, AccountActions.GroupMemberAddedLogged, EventOutcomes.Success),
            _ => (EventCategories.Iam, EventTypes.Change, AccountActions.PasswordChangedLogged, EventOutcomes.Success),
        };

        var related = new List<string>(2);
        if (record.User is { Length: > 0 } user)
        {
            related.Add(user);
        }

        if (record.TargetUser is { Length: > 0 } targetUser && !related.Contains(targetUser))
        {
            related.Add(targetUser);
        }

        return new EcsEvent
        {
            Timestamp = line.Timestamp,
            Event = new EventFields
            {
                Kind = EventKinds.Event, Category = [category], Type = [type], Action = action, Dataset = Datasets.Authentication,
                Module = "atalaya", Outcome = outcome,
            },
            Host = _host,
            User = record.User is null ? null : new UserFields { Name = record.User },
            Source = record.SourceIp is null ? null : new EndpointFields { Ip = record.SourceIp, Port = record.SourcePort },
            Process = new ProcessFields
            {
                Pid = line.Pid ?? 0,
                Name = line.Program,
                CommandLine = record.Command,
            },
            Related = new RelatedFields { User = related.Count == 0 ? null : related, Ip = record.SourceIp is null ? null : [record.SourceIp] },
            Atalaya = new AtalayaFields
            {
                Account = new AtalayaAccountFields
                {
                    AuthMethod = record.Method,
                    TargetUser = record.TargetUser,
                    Group = record.Group,
                    Shell = record.Shell,
                },
            },
        };
    }

    /// <summary>For tests: the byte offset the next pass reads from.</summary>
    internal long Offset => _offset;

}
