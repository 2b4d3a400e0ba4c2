using System.Globalization;
using System.Text;
using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Hashing;
using Atalaya.Platform.Linux.Host;
using Atalaya.Platform.Linux.Packages;

namespace Atalaya.Platform.Linux.Processes;

/// <summary>
/// The one place that turns /proc into process facts and facts into ECS events, shared by the polling
/// and the netlink sensors so both publish the same shape. Thread-safe as long as each caller passes
/// its own table; the caches it uses are thread-safe.
/// </summary>
internal sealed partial class ProcessEventBuilder
{
    private readonly LinuxHostInfo _host;
    private readonly ExecutableHashCache _hashes;
    private readonly UserNameResolver _users;
    private readonly GroupNameResolver _groups;
    private readonly int _maxAncestry;
    private readonly CollectorCounters _counters;
    private readonly Lazy<byte[]?[]> _initNamespaces;

    public ProcessEventBuilder(LinuxHostInfo host, ExecutableHashCache hashes, UserNameResolver users, GroupNameResolver groups,
        ProcessReader reader, int maxAncestry, CollectorCounters counters)
    {
        _host = host;
        _hashes = hashes;
        _users = users;
        _groups = groups;
        Reader = reader;
        _maxAncestry = maxAncestry;
        _counters = counters;

        // init's namespaces are the host's: read once, a process is "namespaced" where its links differ.
        _initNamespaces = new Lazy<byte[]?[]>(() => NamespaceLinksOf(1));
    }

    /// <summary>The namespace link names NUL-terminated, for readlinkat.</summary>
    private static readonly byte[][] NamespaceNames = Array.ConvertAll(ProcessReader.NamespaceTypes, t => Encoding.ASCII.GetBytes(t + "\0"));

    public ProcessReader Reader { get; }

    /// <summary>
    /// Names the package that owns each event's executable (<c>atalaya.process.package</c>/<c>packaged</c>);
    /// null or unavailable leaves both absent. A lookup is one dictionary probe once the database is built.
    /// </summary>
    public IPackageDatabase? Packages { get; init; }

    public LinuxHostInfo Host => _host;

    public string EntityIdOf(int pid, ulong startTime) => EntityIds.ForProcess(_host.BootId, pid, startTime);

    /// <summary>
    /// Full read of one process (stat, status, cmdline, exe, cwd, environ, cgroup, ns, fd, exe statx and hash);
    /// null when stat is gone or malformed (counted). <paramref name="sampleMaps"/> adds /proc/[pid]/maps.
    /// </summary>
    public ProcessFacts? ReadFacts(int pid, bool sampleMaps) => ReadFacts(pid, sampleMaps, out _);

    /// <inheritdoc cref="ReadFacts(int, bool)"/>
    /// <param name="ppid">The parent pid stat reported at the read.</param>
    public ProcessFacts? ReadFacts(int pid, bool sampleMaps, out int ppid) => ReadFacts(pid, sampleMaps, null, null, out ppid);

    /// <param name="known">Facts of the same pid from its fork: their entity id is reused when the start time matches (it is a SHA-256).</param>
    private ProcessFacts? ReadFacts(int pid, bool sampleMaps, ExecImage? image, ProcessFacts? known, out int ppid)
    {
        ppid = 0;
        if (!Reader.TryOpen(pid, out var directory, out _))
        {
            _counters.Increment("full_reads");
            _counters.Increment("processes_vanished");
            return null;
        }

        using (directory)
        {
            return ReadFacts(directory, sampleMaps, image, known, out ppid);
        }
    }

    /// <summary>The full read through an open /proc/[pid] handle whose stat the caller has already read.</summary>
    internal ProcessFacts? ReadFacts(in ProcPidDirectory directory, in ProcStat stat, bool sampleMaps) =>
        ReadFacts(directory, sampleMaps, null, null, stat, out _);

    private ProcessFacts? ReadFacts(in ProcPidDirectory directory, bool sampleMaps, ExecImage? image, ProcessFacts? known, out int ppid) =>
        ReadFacts(directory, sampleMaps, image, known, null, out ppid);

    /// <summary>The full read, every file through one open /proc/[pid] handle (one process, no path walks).</summary>
    private ProcessFacts? ReadFacts(in ProcPidDirectory directory, bool sampleMaps, ExecImage? image, ProcessFacts? known, ProcStat? knownStat, out int ppid)
    {
        var pid = directory.Pid;
        ppid = 0;
        _counters.Increment("full_reads");
        if (!Reader.TryRead(directory, image, knownStat, out var record, out var statStatus) || record is null)
        {
            _counters.Increment(statStatus == ProcReadStatus.Malformed ? "parse_errors" : "processes_vanished");
            return null;
        }

        var stat = record.Stat;
        ppid = stat.Ppid;
        var partial = record.Partial;
        string? sha256 = null;
        string? exeLink = null;
        long? size = null;
        DateTimeOffset? mtime = null;
        IReadOnlyList<string>? env = null;
        string? cgroup = null;
        string? containerId = null;
        IReadOnlyList<string>? namespaces = null;
        int? fds = null;
        string? stdin = null;
        ProcMapsSummary? maps = null;
        uint? loginUid = null;
        var userSpace = !stat.IsKernelThread && stat.State != 'Z';
        if (record.Executable is not null)
        {
            exeLink = record.ExecutableDeleted ? record.Executable + " (deleted)" : record.Executable;
            // One statx serves the hash cache's lookup and the size and mtime (binary age).
            partial |= !_hashes.TryGetForProcess(directory, Reader.ProcRoot, out sha256, out var exeStat);
            if (exeStat.stx_mask != 0)
            {
                size = (long)exeStat.stx_size;
                mtime = ProcessReader.MtimeOf(exeStat);
            }
        }

        if (userSpace)
        {
            // environ is readable by root and the owner only; unreadable means partial, never fatal.
            var envStatus = Reader.TryReadWatchedEnvironment(directory, out var watched);
            partial |= envStatus != ProcReadStatus.Ok;
            env = envStatus == ProcReadStatus.Ok ? watched : null;
            fds = Reader.CountOpenFiles(directory);
            stdin = Reader.ReadStdinLink(directory) is { } link ? FdLinkClassifier.Classify(link) : null;
            namespaces = DifferingNamespaces(directory, _initNamespaces.Value);
            loginUid = Reader.TryReadLoginUid(directory, out var auid) == ProcReadStatus.Ok ? auid : null;
            if (sampleMaps)
            {
                maps = SampleMaps(pid);
            }
        }

        if (Reader.TryReadCgroup(directory, out var path, out var id) == ProcReadStatus.Ok)
        {
            cgroup = path;
            containerId = id;
        }

        var status = record.Status;
        uint? uid = status?.Uid.Real;
        uint? euid = status?.Uid.Effective;
        uint? gid = status?.Gid.Real;
        uint? egid = status?.Gid.Effective;
        return new ProcessFacts
        {
            Pid = pid,
            StartTime = stat.StartTime,
            EntityId = known is { StartTimeEstimated: false } k && k.Pid == pid && k.StartTime == stat.StartTime ? k.EntityId : EntityIdOf(pid, stat.StartTime),
            Comm = stat.Comm,
            ExeLink = exeLink,
            Executable = record.Executable,
            ExecutableDeleted = record.ExecutableDeleted,
            Args = record.Args,
            CommandLine = record.Args.Count == 0 ? null : CommandLine.Join(record.Args),
            WorkingDirectory = record.WorkingDirectory,
            Uid = uid,
            UserName = uid is { } u ? _users.Resolve(u) : null,
            EffectiveUid = euid,
            EffectiveUserName = euid is { } eu ? (eu == uid ? null : _users.Resolve(eu)) : null,
            Gid = gid,
            GroupName = gid is { } g ? _groups.Resolve(g) : null,
            EffectiveGid = egid,
            EffectiveGroupName = egid is { } eg ? _groups.Resolve(eg) : null,
            Session = stat.Session,
            LoginUid = loginUid,
            TtyNr = stat.TtyNr,
            Sha256 = sha256,
            ExecutableSize = size,
            ExecutableMtime = mtime,
            ThreadCount = status?.Threads ?? stat.NumThreads,
            FdCount = fds,
            CapEff = status?.CapEff,
            Cgroup = cgroup,
            ContainerId = containerId,
            Namespaces = namespaces,
            TracerPid = status?.TracerPid ?? 0,
            EnvVars = env,
            StdinType = stdin,
            Maps = maps,
            Start = _host.StartTimeOf(stat.StartTime),
            IsKernelThread = stat.IsKernelThread,
            Partial = partial,
        };
    }

    /// <summary>
    /// The read at an exec event, racing the process's exit: the executable link and the command line
    /// (what an analyst needs most) are read first, then the full read. A process gone after the first
    /// two reads still yields its image, marked partial, with <paramref name="knownStartTime"/>.
    /// Null when nothing at all could be read.
    /// </summary>
    public ProcessFacts? ReadFactsAtExec(int pid, ulong knownStartTime, ProcessFacts? inherited, out int ppid)
    {
        ppid = 0;
        if (!Reader.TryOpen(pid, out var directory, out _))
        {
            _counters.Increment("full_reads");
            _counters.Increment("processes_vanished");
            return null;
        }

        ExecImage image;
        using (directory)
        {
            // argv first: it is what an analyst needs most and what is lost first (with the mm, at exit).
            var argsStatus = Reader.TryReadCmdline(directory, out var args, out var truncated);
            var exeStatus = Reader.TryReadExecutable(directory, out var executable, out var deleted);
            image = new ExecImage(argsStatus, args, truncated, exeStatus, executable, deleted);
            if (ReadFacts(directory, sampleMaps: false, image, inherited, out ppid) is { } facts)
            {
                return facts;
            }
        }

        if (!image.AnyRead)
        {
            return null;
        }

        return Minimal(pid, knownStartTime, inherited) with
        {
            Comm = image.Executable is null ? inherited?.Comm ?? string.Empty : PathName(image.Executable),
            Executable = image.Executable,
            ExecutableDeleted = image.ExecutableDeleted,
            Args = image.Args,
            CommandLine = image.Args.Length == 0 ? null : CommandLine.Join(image.Args),
        };
    }

    /// <summary>comm as the kernel sets it at exec: the file name, cut to 15 bytes (here: characters).</summary>
    private static string PathName(string executable)
    {
        var name = executable[(executable.LastIndexOf('/') + 1)..];
        return name.Length > 15 ? name[..15] : name;
    }

    /// <summary>/proc/[pid]/maps summary, or null (gone, denied, malformed: counted).</summary>
    public ProcMapsSummary? SampleMaps(int pid)
    {
        _counters.Increment("maps_sampled");
        var status = Reader.TryReadMaps(pid, out var summary);
        if (status == ProcReadStatus.Malformed)
        {
            _counters.Increment("parse_errors");
        }

        return summary;
    }

    /// <summary>
    /// What is known of a process that exited before /proc could be read: the pid and the event's time.
    /// The start time in ticks comes from the fork when it was seen, else from the event's clock.
    /// </summary>
    public ProcessFacts Minimal(int pid, ulong startTime, ProcessFacts? inherited = null) => new()
    {
        Pid = pid,
        StartTime = startTime,
        EntityId = EntityIdOf(pid, startTime),
        Comm = inherited?.Comm ?? string.Empty,
        Args = [],
        Uid = inherited?.Uid,
        UserName = inherited?.UserName,
        EffectiveUid = inherited?.EffectiveUid,
        EffectiveUserName = inherited?.EffectiveUserName,
        Gid = inherited?.Gid,
        GroupName = inherited?.GroupName,
        EffectiveGid = inherited?.EffectiveGid,
        EffectiveGroupName = inherited?.EffectiveGroupName,
        Session = inherited?.Session,
        TtyNr = inherited?.TtyNr ?? 0,
        Cgroup = inherited?.Cgroup,
        ContainerId = inherited?.ContainerId,
        Namespaces = inherited?.Namespaces,
        Start = _host.StartTimeOf(startTime),
        IsKernelThread = false,
        Partial = true,
    };

    public string? UserNameOf(uint uid) => _users.Resolve(uid);

    public string? GroupNameOf(uint gid) => _groups.Resolve(gid);

    public EcsEvent Build(ProcessEntry entry, IReadOnlyDictionary<int, ProcessEntry> table, string kind, string type,
        string action, DateTimeOffset now, DateTimeOffset? end)
    {
        var facts = entry.Facts;
        ProcessFields? parent = null;
        if (entry.Ppid > 0 && table.TryGetValue(entry.Ppid, out var parentEntry))
        {
            var p = parentEntry.Facts;
            parent = new ProcessFields
            {
                Pid = p.Pid,
                EntityId = p.EntityId,
                Name = p.Comm,
                Executable = p.Executable,
                CommandLine = p.CommandLine,
            };
        }
        else if (entry.Ppid > 0)
        {
            parent = new ProcessFields { Pid = entry.Ppid };
        }

        string? tracerExecutable = null;
        if (facts.TracerPid > 0 && table.TryGetValue(facts.TracerPid, out var tracer))
        {
            tracerExecutable = tracer.Facts.Executable;
        }

        var effectiveUid = facts.EffectiveUid ?? facts.Uid;
        var packaged = FindOwner(facts, out var owner);
        return new EcsEvent
        {
            Timestamp = now,
            Event = new EventFields
            {
                Kind = kind,
                Category = [EventCategories.Process],
                Type = [type],
                Action = action,
                Dataset = Datasets.Process,
                Module = "atalaya",
            },
            Host = _host.Host,
            Process = new ProcessFields
            {
                Pid = facts.Pid,
                EntityId = facts.EntityId,
                Name = facts.Comm.Length == 0 ? null : facts.Comm,
                Executable = facts.Executable,
                CommandLine = facts.CommandLine,
                Args = facts.Args,
                ArgsCount = facts.Args.Count,
                WorkingDirectory = facts.WorkingDirectory,
                Start = facts.Start,
                End = end,
                User = effectiveUid is { } euid
                    ? new UserFields { Id = Id(euid), Name = euid == facts.Uid ? facts.UserName : facts.EffectiveUserName }
                    : null,
                RealUser = facts.Uid is { } uid ? new UserFields { Id = Id(uid), Name = facts.UserName } : null,
                Group = (facts.EffectiveGid ?? facts.Gid) is { } egid
                    ? new GroupFields { Id = Id(egid), Name = facts.EffectiveGid is null ? facts.GroupName : facts.EffectiveGroupName }
                    : null,
                RealGroup = facts.Gid is { } gid ? new GroupFields { Id = Id(gid), Name = facts.GroupName } : null,
                SessionLeader = facts.Session is > 0 and var sid ? new ProcessFields { Pid = sid } : null,
                Tty = facts.TtyNr == 0 ? null : new TtyFields
                {
                    // tty_nr packs the device number as new_encode_dev: minor bits 0-7 and 20-31, major bits 8-19.
                    CharDevice = new CharDeviceFields { Major = (facts.TtyNr >> 8) & 0xfff, Minor = (facts.TtyNr & 0xff) | ((facts.TtyNr >> 12) & 0xfff00) },
                },
                EnvVars = facts.EnvVars is { Count: > 0 } env ? env : null,
                Hash = facts.Sha256 is null ? null : new HashFields { Sha256 = facts.Sha256 },
                Parent = parent,
            },
            Atalaya = new AtalayaFields
            {
                Partial = facts.Partial ? true : null,
                Process = new AtalayaProcessFields
                {
                    Ancestry = BuildAncestry(entry, table),
                    ExecutableDeleted = facts.IsKernelThread || facts.Executable is null ? null : facts.ExecutableDeleted,
                    Fileless = facts.Fileless ? true : null,
                    ExecutableSize = facts.ExecutableSize,
                    ExecutableMtime = facts.ExecutableMtime,
                    ThreadCount = facts.ThreadCount,
                    FdCount = facts.FdCount,
                    CapEff = facts.CapEff?.ToString("x16", CultureInfo.InvariantCulture),
                    Cgroup = facts.Cgroup,
                    ContainerId = facts.ContainerId,
                    Namespaces = facts.Namespaces is { Count: > 0 } ns ? ns : null,
                    TracerPid = facts.TracerPid > 0 ? facts.TracerPid : null,
                    TracerExecutable = tracerExecutable,
                    AnonymousExecutableRegions = facts.Maps?.AnonymousExecutableRegions,
                    StdinType = facts.StdinType,
                    LoginUid = facts.LoginUid?.ToString(CultureInfo.InvariantCulture),
                    WritablePathLibraries = facts.Maps is { WritablePathLibraries.Count: > 0 } maps ? maps.WritablePathLibraries : null,
                    Package = owner?.Name,
                    Packaged = packaged,
                },
            },
        };
    }

    /// <summary>
    /// A deleted or replaced image is not the file the package installed, so it is not looked up (null:
    /// not checked), nor is a kernel thread's absent executable.
    /// </summary>
    private bool? FindOwner(ProcessFacts facts, out PackageOwner? owner)
    {
        owner = null;
        if (Packages is not { IsAvailable: true } packages || facts.Executable is null || facts.ExecutableDeleted || facts.IsKernelThread)
        {
            return null;
        }

        _counters.Increment("package-lookups");
        owner = packages.FindOwner(facts.Executable);
        return owner is not null;
    }

    private static string Id(uint value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Namespace types whose link (<c>net:[4026531840]</c>) differs from init's. One O_PATH handle on
    /// /proc/[pid]/ns and eight readlinkat calls into a stack buffer, compared as bytes: the eight links
    /// were the costliest part of a full read (53 µs of 250, measured), mostly eight walks of the
    /// same /proc path and eight strings that were thrown away.
    /// </summary>
    internal List<string>? DifferingNamespaces(int pid)
    {
        using var directory = ProcPidDirectory.ByPath(Reader.ProcRoot, pid);
        return DifferingNamespaces(directory, _initNamespaces.Value);
    }

    /// <summary>The links of <see cref="ProcessReader.NamespaceTypes"/> of one process as bytes; null where unreadable.</summary>
    internal byte[]?[] NamespaceLinksOf(int pid) =>
        Array.ConvertAll(ProcessReader.NamespaceTypes, t => Reader.ReadNamespace(pid, t) is { } link ? Encoding.UTF8.GetBytes(link) : null);

    /// <summary>Namespace types whose link differs from <paramref name="reference"/>'s (same order as the types).</summary>
    internal static List<string>? DifferingNamespaces(int pid, string procRoot, byte[]?[] reference)
    {
        using var directory = ProcPidDirectory.ByPath(procRoot, pid);
        return DifferingNamespaces(directory, reference);
    }

    /// <inheritdoc cref="DifferingNamespaces(int, string, byte[][])"/>
    internal static List<string>? DifferingNamespaces(in ProcPidDirectory process, byte[]?[] reference)
    {
        var init = reference;
        if (Array.TrueForAll(init, link => link is null))
        {
            // No baseline (some sandboxes deny even root pid 1's links): nothing to compare, nothing to open.
            return null;
        }

        var directory = Interop.OpenDirectoryPathAt(process.Fd, process.PathOf("ns"), out _);
        if (directory < 0)
        {
            return null;
        }

        try
        {
            List<string>? differing = null;
            Span<byte> link = stackalloc byte[64];
            for (var i = 0; i < init.Length; i++)
            {
                if (init[i] is not { } host)
                {
                    continue;
                }

                var length = Interop.ReadLinkAt(directory, NamespaceNames[i], link, out _);
                if (length > 0 && !link[..length].SequenceEqual(host))
                {
                    (differing ??= []).Add(ProcessReader.NamespaceTypes[i]);
                }
            }

            return differing;
        }
        finally
        {
            _ = Interop.Close(directory);
        }
    }

    /// <summary>
    /// Parent chain up to pid 1 (or the first pid not in the table). Bounded and cycle-safe: pids are
    /// read at different moments, so a reused pid can make the chain loop in a snapshot.
    /// </summary>
    private List<AncestorFields> BuildAncestry(ProcessEntry entry, IReadOnlyDictionary<int, ProcessEntry> table)
    {
        var ancestry = new List<AncestorFields>();
        var seen = new HashSet<int> { entry.Facts.Pid };
        var ppid = entry.Ppid;
        while (ppid > 0 && ancestry.Count < _maxAncestry && seen.Add(ppid) && table.TryGetValue(ppid, out var ancestor))
        {
            ancestry.Add(new AncestorFields { Pid = ppid, Executable = ancestor.Facts.Executable });
            ppid = ancestor.Ppid;
        }

        return ancestry;
    }
}
