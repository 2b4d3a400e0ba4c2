using System.Globalization;
using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Host;
using Atalaya.Platform.Linux.Processes;

namespace Atalaya.Platform.Linux.Files;

/// <summary>
/// Names the process behind a file event from /proc at the moment the event is read: the writer often
/// exits right after its write (echo, cp, a dropper), so this cannot wait for the coalescing window.
/// Cached per pid for one second because one writer makes thousands of events in a burst; the kernel
/// hands out pids cyclically, so a pid reused within a second (after wrapping pid_max) is not a concern.
/// Past the second the pid is read again (it may have exec'd); if it has exited meanwhile, the identity
/// last read is kept for up to <see cref="GoneLifetime"/>: a reader that lags a long writer (dpkg during
/// an upgrade) still names it for the tail of its events, instead of a bare pid once the second is up.
/// Such fields are marked partial: they are the process as it last ran, so a writer that exec'd after
/// that read is named as what it was (already true within the one-second cache), and a pid reused and
/// exited again within the window would be named as its previous holder. That needs pid_max to wrap in
/// 30 s (4,194,304 pids by default on 64-bit hosts); a host with a small pid_max narrows the margin.
/// </summary>
internal sealed class WriterResolver
{
    private static readonly TimeSpan CacheLifetime = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan GoneLifetime = TimeSpan.FromSeconds(30);
    private const int Capacity = 4096;

    private readonly ProcessReader _reader;
    private readonly LinuxHostInfo? _host;
    private readonly UserNameResolver? _users;
    private readonly TimeProvider _time;
    private readonly Dictionary<int, (long At, ProcessFields Fields, bool Partial)> _cache = [];

    /// <summary>When each cached identity was last read from a live process (kept through a later Gone read).</summary>
    private readonly Dictionary<int, long> _aliveAt = [];

    public WriterResolver(string procRoot, LinuxHostInfo? host, UserNameResolver? users, TimeProvider time)
    {
        _reader = new ProcessReader(procRoot);
        _host = host;
        _users = users;
        _time = time;
    }

    public long Lookups { get; private set; }

    /// <summary>Writers already exited when their first event was read: only the pid is known.</summary>
    public long Gone { get; private set; }

    /// <summary>Writers exited by the time they were read again, named from the identity read while they ran.</summary>
    public long GoneNamedFromEarlier { get; private set; }

    /// <summary>The writer's fields; <paramref name="partial"/> when it had already exited or /proc refused part of it.</summary>
    public ProcessFields Resolve(int pid, out bool partial)
    {
        var now = _time.GetTimestamp();
        if (_cache.TryGetValue(pid, out var cached) && _time.GetElapsedTime(cached.At, now) < CacheLifetime)
        {
            partial = cached.Partial;
            return cached.Fields;
        }

        Lookups++;
        if (_cache.Count >= Capacity)
        {
            _cache.Clear();
            _aliveAt.Clear();
        }

        if (!_reader.TryRead(pid, out var record, out _) || record is null)
        {
            if (cached.Fields is { Name: not null } earlier && _aliveAt.TryGetValue(pid, out var aliveAt) && _time.GetElapsedTime(aliveAt, now) < GoneLifetime)
            {
                GoneNamedFromEarlier++;
                partial = true;
                _cache[pid] = (now, earlier, true);
                return earlier;
            }

            Gone++;
            partial = true;
            var bare = new ProcessFields { Pid = pid };
            _cache[pid] = (now, bare, true);
            _aliveAt.Remove(pid);
            return bare;
        }

        uint? uid = record.Status?.Uid.Real;
        var fields = new ProcessFields
        {
            Pid = pid,
            EntityId = _host is null ? null : EntityIds.ForProcess(_host.BootId, pid, record.Stat.StartTime),
            Name = record.Stat.Comm,
            Executable = record.Executable,
            CommandLine = record.Args.Count == 0 ? null : CommandLine.Join(record.Args),
            Args = record.Args,
            ArgsCount = record.Args.Count,
            WorkingDirectory = record.WorkingDirectory,
            Start = _host?.StartTimeOf(record.Stat.StartTime),
            User = uid is { } u ? new UserFields { Id = u.ToString(CultureInfo.InvariantCulture), Name = _users?.Resolve(u) } : null,
        };
        partial = record.Partial;
        _cache[pid] = (now, fields, partial);
        _aliveAt[pid] = now;
        return fields;
    }
}
