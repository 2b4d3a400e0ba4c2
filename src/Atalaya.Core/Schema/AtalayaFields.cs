namespace Atalaya.Core.Schema;

/// <summary>Atalaya's own fields (<c>atalaya.*</c>): verdicts, evidence and facts ECS has no name for.</summary>
public sealed record AtalayaFields
{
    /// <summary>benign|low risk|suspicious|likely malicious|confirmed malicious.</summary>
    public string? Verdict { get; init; }

    /// <summary>low|medium|high|critical.</summary>
    public string? Severity { get; init; }

    /// <summary>One sentence a person can read: what was seen and why it matters.</summary>
    public string? Summary { get; init; }

    /// <summary>The same sentence in Spanish, written from the same facts (<c>atalaya.summary_es</c>).</summary>
    public string? SummaryEs { get; init; }

    /// <summary>Stable id of the alert: the same entity re-scored updates one alert.</summary>
    public string? AlertId { get; init; }

    /// <summary>What the score is about (a process entity id, a file path...).</summary>
    public string? EntityKey { get; init; }

    public IReadOnlyList<EvidenceItem>? Evidence { get; init; }

    public AtalayaProcessFields? Process { get; init; }

    public AtalayaNetworkFields? Network { get; init; }

    public AtalayaFileFields? File { get; init; }
    public AtalayaPersistenceFields? Persistence { get; init; }

    public AtalayaAccountFields? Account { get; init; }

    public AtalayaMetricsFields? Metrics { get; init; }

    public AtalayaAuditFields? Audit { get; init; }

    /// <summary>True when the collector could not read everything (the process was gone, access denied).</summary>
    public bool? Partial { get; init; }
}

/// <summary>One contribution to an alert's score, shown to the analyst as-is.</summary>
public sealed record EvidenceItem
{
    public required string Signal { get; init; }

    public required int Weight { get; init; }

    public required double Confidence { get; init; }

    public required string Detail { get; init; }

    public IReadOnlyList<string>? Techniques { get; init; }

    public string? Domain { get; init; }
}

/// <summary><c>atalaya.process.*</c>: facts about a process that ECS does not name.</summary>
public sealed record AtalayaProcessFields
{
    /// <summary>Parent chain from the direct parent up to pid 1.</summary>
    public IReadOnlyList<AncestorFields>? Ancestry { get; init; }

    /// <summary>The executable was deleted from disk while the process runs.</summary>
    public bool? ExecutableDeleted { get; init; }

    /// <summary>The executable is a memfd or lives in /dev/shm: nothing of it on a persistent disk.</summary>
    public bool? Fileless { get; init; }

    public long? ExecutableSize { get; init; }

    /// <summary>Last modification of the executable: a binary changed minutes ago is younger than its package.</summary>
    public DateTimeOffset? ExecutableMtime { get; init; }

    public long? ThreadCount { get; init; }

    public int? FdCount { get; init; }

    /// <summary>CapEff of /proc/[pid]/status as 16 hex digits.</summary>
    public string? CapEff { get; init; }

    /// <summary>The cgroup v2 path (the <c>0::</c> line of /proc/[pid]/cgroup).</summary>
    public string? Cgroup { get; init; }

    /// <summary>A 64-hex container id found in the cgroup path (docker, containerd, podman, cri-o).</summary>
    public string? ContainerId { get; init; }

    /// <summary>Namespace types (mnt, net, pid, user, uts, ipc, cgroup, time) where the process is not in init's.</summary>
    public IReadOnlyList<string>? Namespaces { get; init; }

    /// <summary>TracerPid of /proc/[pid]/status, or the tracer of a ptrace event; absent when 0.</summary>
    public int? TracerPid { get; init; }

    public string? TracerExecutable { get; init; }

    /// <summary>Mappings that are executable and backed by no file (or a memfd): JIT, shellcode, injected code.</summary>
    public int? AnonymousExecutableRegions { get; init; }

    /// <summary>Shared objects mapped from user-writable directories (/tmp, /home, /dev/shm...).</summary>
    public IReadOnlyList<string>? WritablePathLibraries { get; init; }

    /// <summary>What standard input was at process start: pipe, socket, tty, null or file.</summary>
    public string? StdinType { get; init; }

    /// <summary>
    /// The audit login uid (/proc/[pid]/loginuid): who logged in at the start of this session,
    /// kept across su/sudo. "4294967295" means unset (started by init, not by a login).
    /// </summary>
    public string? LoginUid { get; init; }

    /// <summary>A pid that exists (signal 0 answers, /proc/[pid] opens) but is missing from the /proc listing.</summary>
    public bool? Hidden { get; init; }
    /// <summary>The package that owns the executable (dpkg/rpm), null when none does.</summary>
    public string? Package { get; init; }

    /// <summary>true: a package owns the executable; false: the package database was read and none does; null: not checked.</summary>
    public bool? Packaged { get; init; }
}

/// <summary>One link of <c>atalaya.process.ancestry</c>.</summary>
public sealed record AncestorFields
{
    public int Pid { get; init; }

    public string? Executable { get; init; }
}

/// <summary><c>atalaya.network.*</c>: socket facts ECS does not name.</summary>
public sealed record AtalayaNetworkFields
{
    /// <summary>Kernel TCP state name (ESTABLISHED, LISTEN, ...); UDP sockets report UNCONN or ESTABLISHED.</summary>
    public string? State { get; init; }

    public long? Inode { get; init; }

    /// <summary>For listeners: loopback|all-interfaces|specific-address.</summary>
    public string? Exposure { get; init; }

    /// <summary>Smoothed round-trip time of a TCP connection in microseconds (tcp_info), when the sensor reads it.</summary>
    public long? RttMicroseconds { get; init; }

    /// <summary>
    /// The owner's standard streams (stdin, stdout, stderr) that are this socket: a shell whose
    /// stdin and stdout are a TCP connection is the reverse-shell shape.
    /// </summary>
    public IReadOnlyList<string>? StandardStreams { get; init; }

    /// <summary>Which sensor saw it: netlink-sock-diag, netlink-sock-diag-destroy, procfs-net-polling</summary>
    public string? Sensor { get; init; }

    /// <summary>
    /// true on the close of a connection no inventory saw open (shorter than a poll): that close is
    /// the connection's only lifecycle event, so analytics count it as a new connection.
    /// </summary>
    public bool? Unseen { get; init; }
}

/// <summary><c>atalaya.file.*</c>: file facts ECS does not name (package ownership, renames, coalescing).</summary>
public sealed record AtalayaFileFields
{
    /// <summary>The package that owns the path, null when none does.</summary>
    public string? Package { get; init; }

    /// <summary>true: content matches the package's digest; false: modified; null: not owned or nothing to compare.</summary>
    public bool? PackageVerified { get; init; }

    /// <summary>For a rename: the path the file had before.</summary>
    public string? OldPath { get; init; }

    /// <summary>The file has an execute bit set.</summary>
    public bool? Executable { get; init; }

    /// <summary>How many raw kernel events were merged into this one (an editor's save, a burst of writes).</summary>
    public int? Coalesced { get; init; }

    /// <summary>A package manager's batch: paths that exist after it and did not before.</summary>
    public int? BatchCreated { get; init; }

    /// <summary>A package manager's batch: paths that existed and were replaced or changed.</summary>
    public int? BatchModified { get; init; }

    /// <summary>A package manager's batch: paths removed.</summary>
    public int? BatchDeleted { get; init; }

    /// <summary>A package manager's batch: the packages installed, upgraded or removed, where known.</summary>
    public IReadOnlyList<string>? BatchPackages { get; init; }

    /// <summary>A package manager's batch: the first few paths, for a look without a query.</summary>
    public IReadOnlyList<string>? BatchPaths { get; init; }
}
