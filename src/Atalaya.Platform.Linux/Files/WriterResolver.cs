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
/// </summary>
internal sealed class WriterResolver
{
    private static readonly TimeSpan CacheLifetime = TimeSpan.FromSeconds(1);
    private const int Capacity = 4096;

    private readonly ProcessReader _reader;
    private readonly LinuxHostInfo? _host;
    private readonly UserNameResolver? _users;
    private readonly TimeProvider _time;
    private readonly Dictionary<int, (long At, ProcessFields Fields, bool Partial)> _cache = [];

    public WriterResolver(string procRoot, LinuxHostInfo? host, UserNameResolver? users, TimeProvider time)
    {
        _reader = new ProcessReader(procRoot);
        _host = host;
        _users = users;
        _time = time;
    }

    public long Lookups { get; private set; }

    public long Gone { get; private set; }

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
        }

        if (!_reader.TryRead(pid, out var record, out _) || record is null)
        {
            Gone++;
            partial = true;
            var bare = new ProcessFields { Pid = pid };
            _cache[pid] = (now, bare, true);
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
        return fields;
    }
}
