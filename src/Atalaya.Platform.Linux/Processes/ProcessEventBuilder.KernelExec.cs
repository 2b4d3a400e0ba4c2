using System.Globalization;
using System.Text;

namespace Atalaya.Platform.Linux.Processes;

/// <summary>Facts of an exec the kernel program reported: most from its record, the rest from /proc.</summary>
internal sealed partial class ProcessEventBuilder
{
    private const int CgroupsKept = 4096;

    /// <summary>cgroup v2 id → (path, container id): a cgroup is read from /proc once, at its first exec.</summary>
    private readonly Dictionary<ulong, (string? Path, string? ContainerId)> _cgroups = [];

    /// <summary>
    /// The record gives credentials, session, tty, capabilities, tracer, namespaces, start time, comm,
    /// argv, open files, stdin, the executable's identity and the executable's and working directory's
    /// paths as they were at the exec. For a binary already hashed, /proc adds only the watched
    /// environment variables (<see cref="FactsFromRecord"/>). The first exec of a binary (its hash is
    /// not known yet) or a path the program could not walk reads the image from /proc, through one
    /// handle, after checking it is still the record's. A process gone before the reads keeps the
    /// record's facts, marked partial.
    /// </summary>
    /// <param name="superseded">A later exec of the same process is already known: /proc shows that image now, not this one.</param>
    public ProcessFacts FactsAtKernelExec(int pid, ulong startTicks, KernelExec exec, ProcessFacts? inherited, bool superseded)
    {
        _counters.Increment("kernel_execs");
        if (exec.ExecutablePath is not null && exec.WorkingDirectory is not null && _hashes.TryGetCached(exec.ExecutableIdentity, out var knownHash))
        {
            return FactsFromRecord(pid, startTicks, exec, inherited, knownHash, superseded);
        }

        // A binary not hashed yet (its first exec), or paths the program could not walk: /proc, checked
        // against the record's inode.
        var partial = false;
        string? executable = null;
        var deleted = false;
        string? cwd = null;
        string? sha256 = null;
        long? size = null;
        DateTimeOffset? mtime = null;
        IReadOnlyList<string>? env = null;
        int? fds = null;
        string? stdin = null;
        var args = exec.Args;
        if (Reader.TryOpen(pid, out var directory, out _))
        {
            using (directory)
            {
                // The identity check first: a record handled after the process exec'd again (or exited and
                // its pid was reused) must not take the later image's files for its own.
                var hashed = _hashes.TryGetForProcess(directory, Reader.ProcRoot, out sha256, out var exeStat);
                if (exeStat.stx_mask != 0 && exec.IsExecutable(exeStat))
                {
                    partial |= !hashed;
                    size = (long)exeStat.stx_size;
                    mtime = ProcessReader.MtimeOf(exeStat);
                    partial |= Reader.TryReadExecutable(directory, out executable, out deleted) != ProcReadStatus.Ok;
                    if (!exec.ArgsComplete)
                    {
                        // Longer than the record carries: the whole argv from /proc while the process lives.
                        var complete = Reader.TryReadCmdline(directory, out var all, out var truncated) == ProcReadStatus.Ok && all.Length > 0;
                        args = complete ? all : args;
                        partial |= !complete || truncated;
                    }

                    partial |= Reader.TryReadWorkingDirectory(directory, out cwd) != ProcReadStatus.Ok;
                    var envStatus = Reader.TryReadWatchedEnvironment(directory, out var watched);
                    partial |= envStatus != ProcReadStatus.Ok;
                    env = envStatus == ProcReadStatus.Ok ? watched : null;
                    // Counted and classified in the kernel when it could: two /proc lookups fewer.
                    fds = exec.FdCount ?? Reader.CountOpenFiles(directory);
                    stdin = exec.StdinKnown ? exec.Stdin : Reader.ReadStdinLink(directory) is { } link ? FdLinkClassifier.Classify(link) : null;
                    var (cgroup, containerId) = CgroupOf(directory, exec.CgroupId);
                    return Facts(cgroup, containerId);
                }

                sha256 = null;
                _counters.Increment(exeStat.stx_mask != 0 ? "kernel_execs_image_replaced" : "kernel_execs_gone");
            }
        }
        else
        {
            _counters.Increment("kernel_execs_gone");
        }

        // Gone (or another image already): the record's facts, with the executable execve was given,
        // resolved and checked to be the very file that ran; unresolved when it is not.
        partial = true;
        executable = ResolveGivenExecutable(exec, out sha256, out size, out mtime);
        deleted = exec.ExecutablePath is not null && exec.ExecutableDeleted;
        cwd = exec.WorkingDirectory;
        fds = exec.FdCount;
        stdin = exec.StdinKnown ? exec.Stdin : null;
        var known = _cgroups.TryGetValue(exec.CgroupId, out var cached) ? cached : default;
        return Facts(known.Path, known.ContainerId);

        ProcessFacts Facts(string? cgroup, string? containerId) => RecordFacts(pid, startTicks, exec, inherited) with
        {
            ExeLink = executable is null ? null : deleted ? executable + " (deleted)" : executable,
            Executable = executable,
            ExecutableDeleted = deleted,
            Args = args,
            CommandLine = args.Length == 0 ? null : CommandLine.Join(args),
            WorkingDirectory = cwd,
            Sha256 = sha256,
            ExecutableSize = size,
            ExecutableMtime = mtime,
            FdCount = fds,
            Cgroup = cgroup,
            ContainerId = containerId,
            EnvVars = env,
            StdinType = stdin,
            Partial = partial,
        };
    }

    /// <summary>
    /// An exec whose executable and working directory the program walked, of a binary already hashed:
    /// /proc is read only for the watched environment variables (and a cgroup not seen before, an argv
    /// longer than the record, a character device on stdin). Gone by then: partial, the rest exact.
    /// </summary>
    private ProcessFacts FactsFromRecord(int pid, ulong startTicks, KernelExec exec, ProcessFacts? inherited, string? sha256, bool superseded)
    {
        _counters.Increment("kernel_execs_from_record");
        var process = ProcPidDirectory.ByPath(Reader.ProcRoot, pid);
        var partial = false;
        var args = exec.Args;
        if (!exec.ArgsComplete)
        {
            // Superseded: /proc has the later image's argv. Otherwise the whole argv while the process lives.
            var all = Array.Empty<string>();
            var truncated = false;
            var complete = !superseded && Reader.TryReadCmdline(process, out all, out truncated) == ProcReadStatus.Ok && all.Length > 0;
            args = complete ? all : args;
            partial |= !complete || truncated;
        }

        IReadOnlyList<string>? env = null;
        if (superseded)
        {
            // Its environment is gone with it; what /proc has now is the next image's.
            partial = true;
        }
        else
        {
            var envStatus = Reader.TryReadWatchedEnvironment(process, out var watched);
            partial |= envStatus != ProcReadStatus.Ok;
            env = envStatus == ProcReadStatus.Ok ? watched : null;
        }

        var stdin = exec.StdinKnown ? exec.Stdin : Reader.ReadStdinLink(process) is { } link ? FdLinkClassifier.Classify(link) : null;
        var (cgroup, containerId) = CgroupOf(process, exec.CgroupId);
        var executable = exec.ExecutablePath!;
        return RecordFacts(pid, startTicks, exec, inherited) with
        {
            ExeLink = exec.ExecutableDeleted ? executable + " (deleted)" : executable,
            Executable = executable,
            ExecutableDeleted = exec.ExecutableDeleted,
            Args = args,
            CommandLine = args.Length == 0 ? null : CommandLine.Join(args),
            WorkingDirectory = exec.WorkingDirectory,
            Sha256 = sha256,
            ExecutableSize = exec.ExecutableSize,
            ExecutableMtime = exec.ExecutableMtime,
            FdCount = exec.FdCount ?? Reader.CountOpenFiles(process),
            Cgroup = cgroup,
            ContainerId = containerId,
            EnvVars = env,
            StdinType = stdin,
            Partial = partial,
        };
    }

    /// <summary>What the record alone says of the process; the callers add the image and /proc's facts.</summary>
    private ProcessFacts RecordFacts(int pid, ulong startTicks, KernelExec exec, ProcessFacts? inherited) => new()
    {
        Pid = pid,
        StartTime = startTicks,
        EntityId = inherited is { StartTimeEstimated: false } k && k.Pid == pid && k.StartTime == startTicks ? k.EntityId : EntityIdOf(pid, startTicks),
        Comm = exec.Comm,
        Args = exec.Args,
        Uid = exec.Uid,
        UserName = _users.Resolve(exec.Uid),
        EffectiveUid = exec.EffectiveUid,
        EffectiveUserName = exec.EffectiveUid == exec.Uid ? null : _users.Resolve(exec.EffectiveUid),
        Gid = exec.Gid,
        GroupName = _groups.Resolve(exec.Gid),
        EffectiveGid = exec.EffectiveGid,
        EffectiveGroupName = _groups.Resolve(exec.EffectiveGid),
        Session = exec.Session,
        LoginUid = exec.LoginUid,
        TtyNr = exec.TtyNr,
        // exec ends every other thread of the process (de_thread) before the tracepoint.
        ThreadCount = 1,
        CapEff = exec.CapEffective,
        Namespaces = DifferingNamespaces(exec.Namespaces, _initNamespaces.Value),
        TracerPid = exec.TracerPid,
        Start = _host.StartTimeOf(startTicks),
        IsKernelThread = false,
        Partial = false,
    };

    /// <summary>
    /// The executable of a process /proc can no longer show: the path the program walked, else the one
    /// execve was given with symlinks resolved when the file there now is the one that ran (same inode
    /// and device), else that path as given (a relative one: null). Hashed when the cache knows the
    /// identity or the file at the path is still the one that ran.
    /// </summary>
    private string? ResolveGivenExecutable(KernelExec exec, out string? sha256, out long? size, out DateTimeOffset? mtime)
    {
        sha256 = null;
        size = null;
        mtime = null;
        if (exec.ExecutablePath is { } walked)
        {
            size = exec.ExecutableSize;
            mtime = exec.ExecutableMtime;
            if (!_hashes.TryGetCached(exec.ExecutableIdentity, out sha256) && !exec.ExecutableDeleted
                && Interop.TryStatx(walked, out var now) && exec.IsExecutable(now))
            {
                _hashes.TryGetSha256(walked, out sha256);
            }

            return walked;
        }

        if (exec.Filename is not { } given || !given.StartsWith('/'))
        {
            return null;
        }

        if (Interop.RealPath(given) is { } resolved && Interop.TryStatx(resolved, out var stat) && exec.IsExecutable(stat))
        {
            _hashes.TryGetSha256(resolved, out sha256);
            size = (long)stat.stx_size;
            mtime = ProcessReader.MtimeOf(stat);
            return resolved;
        }

        return given;
    }

    /// <summary>stat's starttime (clock ticks) from the kernel's start_boottime in nanoseconds, as fs/proc/array.c computes it.</summary>
    public ulong TicksOfBoottime(ulong nanoseconds) => nanoseconds / (1_000_000_000UL / (ulong)_host.ClockTicksPerSecond);

    private (string? Path, string? ContainerId) CgroupOf(in ProcPidDirectory directory, ulong cgroupId)
    {
        if (cgroupId != 0 && _cgroups.TryGetValue(cgroupId, out var known))
        {
            return known;
        }

        if (Reader.TryReadCgroup(directory, out var path, out var containerId) != ProcReadStatus.Ok)
        {
            return default;
        }

        if (cgroupId != 0)
        {
            if (_cgroups.Count >= CgroupsKept)
            {
                // Thousands of cgroups are a container host churning: start over rather than grow.
                _counters.Increment("cgroup_cache_reset");
                _cgroups.Clear();
            }

            _cgroups[cgroupId] = (path, containerId);
        }

        return (path, containerId);
    }

    /// <summary>Namespace types whose inode differs from the reference links' (<c>net:[4026531840]</c>); null without a reference.</summary>
    internal static List<string>? DifferingNamespaces(uint[] inodes, byte[]?[] reference)
    {
        if (Array.TrueForAll(reference, link => link is null))
        {
            return null;
        }

        List<string>? differing = null;
        Span<byte> link = stackalloc byte[64];
        for (var i = 0; i < reference.Length && i < inodes.Length; i++)
        {
            if (reference[i] is not { } host || inodes[i] == 0)
            {
                continue;
            }

            var type = ProcessReader.NamespaceTypes[i];
            var length = Encoding.ASCII.GetBytes(type, link);
            link[length++] = (byte)':';
            link[length++] = (byte)'[';
            inodes[i].TryFormat(link[length..], out var digits, provider: CultureInfo.InvariantCulture);
            length += digits;
            link[length++] = (byte)']';
            if (!link[..length].SequenceEqual(host))
            {
                (differing ??= []).Add(type);
            }
        }

        return differing;
    }
}
