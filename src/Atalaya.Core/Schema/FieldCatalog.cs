using System.Collections.Frozen;

namespace Atalaya.Core.Schema;

/// <summary>
/// The one table of fields: drives Sigma field mapping, the store's columns, and docs/FIELDS.md.
/// Serialization is generated from the records; a test walks this catalog against the JSON so
/// the two cannot drift apart.
/// </summary>
public static class FieldCatalog
{
    // Sysmon's Initiated is "this host opened the connection"; ours says the same with a direction word.
    // Declared before All: static fields initialize in order.
    private static readonly IReadOnlyDictionary<string, string> InitiatedValues =
        new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["true"] = "egress", ["false"] = "ingress" };

    public static IReadOnlyList<FieldDefinition> All { get; } =
    [
        F("@timestamp", FieldType.Date, "When the event happened (UTC).", null, e => e.Timestamp),
        F("event.kind", FieldType.Keyword, "event, alert, state or metric.", null, e => e.Event.Kind),
        A("event.category", "ECS category: process, network, file, configuration, ...", null, e => e.Event.Category),
        A("event.type", "ECS type: start, end, connection, change, creation, deletion, info, ...", null, e => e.Event.Type),
        F("event.action", FieldType.Keyword, "What happened, in Atalaya's words (process-started, connection-opened, listening, ...).", null, e => e.Event.Action),
        F("event.dataset", FieldType.Keyword, "The Atalaya source, e.g. atalaya.process.", null, e => e.Event.Dataset),
        F("event.module", FieldType.Keyword, "Always atalaya.", null, e => e.Event.Module),
        F("event.id", FieldType.Keyword, "Unique id of the event.", null, e => e.Event.Id),
        F("event.risk_score", FieldType.Long, "Risk score 0-100 (alerts).", null, e => e.Event.RiskScore),
        F("event.severity", FieldType.Long, "Same number as event.risk_score (alerts).", null, e => e.Event.Severity),
        F("event.reason", FieldType.Text, "Why the event was produced, for alerts the plain-language summary.", null, e => e.Event.Reason),
        F("event.outcome", FieldType.Keyword, "success, failure or unknown: the result of the action (a connect refused is a failure; a non-blocking connect in progress is unknown).", null, e => e.Event.Outcome),
        F("event.start", FieldType.Date, "When the thing the event describes began (a connection, a process).", null, e => e.Event.Start),
        F("event.end", FieldType.Date, "When it ended.", null, e => e.Event.End),
        F("event.duration", FieldType.Long, "Duration in nanoseconds.", null, e => e.Event.Duration),

        F("host.name", FieldType.Keyword, "Host name.", "Computer", e => e.Host?.Name),
        F("host.id", FieldType.Keyword, "Stable host id (machine-id).", null, e => e.Host?.Id),
        F("host.os.type", FieldType.Keyword, "linux, windows or macos.", null, e => e.Host?.Os?.Type),
        F("host.os.name", FieldType.Keyword, "Operating system name.", null, e => e.Host?.Os?.Name),
        F("host.os.version", FieldType.Keyword, "Operating system version.", null, e => e.Host?.Os?.Version),
        F("host.os.kernel", FieldType.Keyword, "Kernel release.", null, e => e.Host?.Os?.Kernel),
        F("host.os.family", FieldType.Keyword, "OS family (debian, rhel, ...).", null, e => e.Host?.Os?.Family),
        F("host.cpu.usage", FieldType.Float, "Share of all CPUs busy over the sample, 0-1 (metrics).", null, e => e.Host?.Cpu?.Usage),
        F("agent.name", FieldType.Keyword, "Agent name.", null, e => e.Agent?.Name),
        F("agent.type", FieldType.Keyword, "Always atalaya.", null, e => e.Agent?.Type),
        F("agent.version", FieldType.Keyword, "Agent version.", null, e => e.Agent?.Version),
        F("agent.id", FieldType.Keyword, "Agent instance id.", null, e => e.Agent?.Id),

        F("process.pid", FieldType.Long, "Process id.", "ProcessId", e => e.Process?.Pid),
        F("process.entity_id", FieldType.Keyword, "Process id stable across pid reuse.", "ProcessGuid", e => e.Process?.EntityId),
        F("process.name", FieldType.Keyword, "Process name (the kernel's comm).", null, e => e.Process?.Name),
        F("process.executable", FieldType.Keyword, "Absolute path of the executable.", "Image", e => e.Process?.Executable),
        F("process.command_line", FieldType.Text, "Full command line.", "CommandLine", e => e.Process?.CommandLine),
        A("process.args", "Arguments, argv[0] first.", null, e => e.Process?.Args),
        F("process.args_count", FieldType.Long, "Number of arguments.", null, e => e.Process?.ArgsCount),
        F("process.working_directory", FieldType.Keyword, "Current directory.", "CurrentDirectory", e => e.Process?.WorkingDirectory),
        F("process.start", FieldType.Date, "Process start time.", null, e => e.Process?.Start),
        F("process.end", FieldType.Date, "Process end time.", null, e => e.Process?.End),
        F("process.user.id", FieldType.Keyword, "Effective user id (ECS).", null, e => e.Process?.User?.Id),
        F("process.user.name", FieldType.Keyword, "Effective user name.", "User", e => e.Process?.User?.Name),
        F("process.real_user.id", FieldType.Keyword, "Real user id.", null, e => e.Process?.RealUser?.Id),
        F("process.real_user.name", FieldType.Keyword, "Real user name.", null, e => e.Process?.RealUser?.Name),
        F("process.group.id", FieldType.Keyword, "Effective group id.", null, e => e.Process?.Group?.Id),
        F("process.group.name", FieldType.Keyword, "Effective group name.", null, e => e.Process?.Group?.Name),
        F("process.real_group.id", FieldType.Keyword, "Real group id.", null, e => e.Process?.RealGroup?.Id),
        F("process.real_group.name", FieldType.Keyword, "Real group name.", null, e => e.Process?.RealGroup?.Name),
        F("process.session_leader.pid", FieldType.Long, "Session id (pid of the session leader).", null, e => e.Process?.SessionLeader?.Pid),
        F("process.tty.char_device.major", FieldType.Long, "Controlling terminal's major device number (136-143: pseudo-terminals).", null, e => e.Process?.Tty?.CharDevice?.Major),
        F("process.tty.char_device.minor", FieldType.Long, "Controlling terminal's minor device number.", null, e => e.Process?.Tty?.CharDevice?.Minor),
        A("process.env_vars", "Watched environment variables (LD_PRELOAD, LD_LIBRARY_PATH) as KEY=VALUE, read at process start.", null, e => e.Process?.EnvVars),
        F("process.hash.sha256", FieldType.Keyword, "SHA-256 of the executable.", "sha256", e => e.Process?.Hash?.Sha256),
        F("process.parent.pid", FieldType.Long, "Parent process id.", "ParentProcessId", e => e.Process?.Parent?.Pid),
        F("process.parent.entity_id", FieldType.Keyword, "Parent's stable id.", "ParentProcessGuid", e => e.Process?.Parent?.EntityId),
        F("process.parent.name", FieldType.Keyword, "Parent's name.", null, e => e.Process?.Parent?.Name),
        F("process.parent.executable", FieldType.Keyword, "Parent's executable.", "ParentImage", e => e.Process?.Parent?.Executable),
        F("process.parent.command_line", FieldType.Text, "Parent's command line.", "ParentCommandLine", e => e.Process?.Parent?.CommandLine),

        F("source.ip", FieldType.Ip, "Source address.", "SourceIp", e => e.Source?.Ip),
        F("source.port", FieldType.Long, "Source port.", "SourcePort", e => e.Source?.Port),
        F("source.domain", FieldType.Keyword, "Source name.", "SourceHostname", e => e.Source?.Domain),
        F("source.bytes", FieldType.Long, "Bytes sent by the source.", null, e => e.Source?.Bytes),
        F("destination.ip", FieldType.Ip, "Destination address.", "DestinationIp", e => e.Destination?.Ip),
        F("destination.port", FieldType.Long, "Destination port.", "DestinationPort", e => e.Destination?.Port),
        F("destination.domain", FieldType.Keyword, "Destination name.", "DestinationHostname", e => e.Destination?.Domain),
        F("destination.bytes", FieldType.Long, "Bytes sent by the destination.", null, e => e.Destination?.Bytes),
        F("network.transport", FieldType.Keyword, "tcp or udp.", "Protocol", e => e.Network?.Transport),
        F("network.direction", FieldType.Keyword, "ingress, egress, listening, internal or unknown.", "Initiated", e => e.Network?.Direction)
            with { SigmaValues = InitiatedValues },
        F("network.type", FieldType.Keyword, "ipv4 or ipv6.", null, e => e.Network?.Type),
        F("network.protocol", FieldType.Keyword, "Service name of the server port (/etc/services, else the port catalog's category).", null, e => e.Network?.Protocol),
        F("network.bytes", FieldType.Long, "Bytes both ways.", null, e => e.Network?.Bytes),
        A("related.ip", "Every address the event mentions.", null, e => e.Related?.Ip),
        A("related.user", "Every user the event mentions.", null, e => e.Related?.User),
        A("related.hash", "Every hash the event mentions.", null, e => e.Related?.Hash),

        F("file.path", FieldType.Keyword, "Full path of the file.", "TargetFilename", e => e.File?.Path),
        F("file.name", FieldType.Keyword, "File name.", null, e => e.File?.Name),
        F("file.size", FieldType.Long, "Size in bytes.", null, e => e.File?.Size),
        F("file.mtime", FieldType.Date, "Last modification.", null, e => e.File?.Mtime),
        F("file.owner", FieldType.Keyword, "Owner's user name.", null, e => e.File?.Owner),
        F("file.uid", FieldType.Keyword, "Owner's numeric user id.", null, e => e.File?.Uid),
        F("file.mode", FieldType.Keyword, "Permission bits in octal, e.g. 0644.", null, e => e.File?.Mode),
        F("file.target_path", FieldType.Keyword, "Where a symbolic link points.", null, e => e.File?.TargetPath),
        F("file.hash.sha256", FieldType.Keyword, "SHA-256 of the file.", null, e => e.File?.Hash?.Sha256),
        F("user.id", FieldType.Keyword, "User id the event is about.", null, e => e.User?.Id),
        F("user.name", FieldType.Keyword, "User name the event is about.", null, e => e.User?.Name),

        F("rule.id", FieldType.Keyword, "Id of the rule or analytic.", null, e => e.Rule?.Id),
        F("rule.name", FieldType.Keyword, "Name of the rule or analytic.", null, e => e.Rule?.Name),
        F("rule.ruleset", FieldType.Keyword, "Rule set (atalaya-analytics, sigma, ...).", null, e => e.Rule?.Ruleset),
        F("rule.author", FieldType.Keyword, "Rule author (required on every alert from a DRL 1.1 rule).", null, e => e.Rule?.Author),
        F("rule.license", FieldType.Keyword, "Rule license.", null, e => e.Rule?.License),
        F("rule.reference", FieldType.Keyword, "Where the rule comes from.", null, e => e.Rule?.Reference),
        F("rule.description", FieldType.Text, "What the rule detects.", null, e => e.Rule?.Description),
        F("threat.framework", FieldType.Keyword, "MITRE ATT&CK.", null, e => e.Threat?.Framework),
        A("threat.technique.id", "ATT&CK technique ids.", null, e => e.Threat?.Technique?.Id),
        A("threat.technique.name", "ATT&CK technique names.", null, e => e.Threat?.Technique?.Name),

        F("atalaya.verdict", FieldType.Keyword, "benign, low risk, suspicious, likely malicious, confirmed malicious.", null, e => e.Atalaya?.Verdict),
        F("atalaya.severity", FieldType.Keyword, "low, medium, high or critical.", null, e => e.Atalaya?.Severity),
        F("atalaya.summary", FieldType.Text, "One plain-language sentence about the alert.", null, e => e.Atalaya?.Summary),
        F("atalaya.summary_es", FieldType.Text, "The same sentence in Spanish, built from the same facts (verdict, score, strongest signal, entity).", null, e => e.Atalaya?.SummaryEs),
        F("atalaya.alert_id", FieldType.Keyword, "Stable alert id; re-scoring the same entity updates it.", null, e => e.Atalaya?.AlertId),
        F("atalaya.entity_key", FieldType.Keyword, "What the score is about.", null, e => e.Atalaya?.EntityKey),
        F("atalaya.partial", FieldType.Boolean, "The collector could not read everything.", null, e => e.Atalaya?.Partial),
        F("atalaya.process.executable_deleted", FieldType.Boolean, "The executable was deleted while running.", null, e => e.Atalaya?.Process?.ExecutableDeleted),
        F("atalaya.process.fileless", FieldType.Boolean, "The executable is a memfd or lives in /dev/shm.", null, e => e.Atalaya?.Process?.Fileless),
        F("atalaya.process.executable_size", FieldType.Long, "Size of the executable in bytes.", null, e => e.Atalaya?.Process?.ExecutableSize),
        F("atalaya.process.executable_mtime", FieldType.Date, "Last modification of the executable (binary age).", null, e => e.Atalaya?.Process?.ExecutableMtime),
        F("atalaya.process.thread_count", FieldType.Long, "Number of threads.", null, e => e.Atalaya?.Process?.ThreadCount),
        F("atalaya.process.fd_count", FieldType.Long, "Number of open file descriptors.", null, e => e.Atalaya?.Process?.FdCount),
        F("atalaya.process.cap_eff", FieldType.Keyword, "Effective capabilities (CapEff, 16 hex digits).", null, e => e.Atalaya?.Process?.CapEff),
        F("atalaya.process.cgroup", FieldType.Keyword, "cgroup v2 path.", null, e => e.Atalaya?.Process?.Cgroup),
        F("atalaya.process.container_id", FieldType.Keyword, "Container id from the cgroup path.", null, e => e.Atalaya?.Process?.ContainerId),
        A("atalaya.process.namespaces", "Namespace types where the process differs from init (mnt, net, pid, user, uts, ipc, cgroup, time).", null, e => e.Atalaya?.Process?.Namespaces),
        F("atalaya.process.tracer_pid", FieldType.Long, "Pid of the process tracing this one (ptrace).", null, e => e.Atalaya?.Process?.TracerPid),
        F("atalaya.process.tracer_executable", FieldType.Keyword, "Executable of the tracer.", null, e => e.Atalaya?.Process?.TracerExecutable),
        F("atalaya.process.anonymous_executable_regions", FieldType.Long, "Executable memory mappings backed by no file (sampled at process start).", null, e => e.Atalaya?.Process?.AnonymousExecutableRegions),
        A("atalaya.process.writable_path_libraries", "Shared objects mapped from user-writable directories (sampled at process start).", null, e => e.Atalaya?.Process?.WritablePathLibraries),
        F("atalaya.process.login_uid", FieldType.Keyword, "Audit login uid (/proc/[pid]/loginuid): the uid that logged in to start this session, kept across su and sudo; 4294967295 = unset (started by init). Sigma's LogonId (Sysmon for Linux reports the auid there).", "LogonId", e => e.Atalaya?.Process?.LoginUid),
        F("atalaya.process.stdin_type", FieldType.Keyword, "Standard input at process start: pipe, socket, tty, null or file.", null, e => e.Atalaya?.Process?.StdinType),
        F("atalaya.process.hidden", FieldType.Boolean, "The pid exists but is missing from the /proc listing.", null, e => e.Atalaya?.Process?.Hidden),
        F("atalaya.process.package", FieldType.Keyword, "Package that owns the executable, or absent when none does.", null, e => e.Atalaya?.Process?.Package),
        F("atalaya.process.packaged", FieldType.Boolean, "True: a package owns the executable; false: the package database was read and none does; absent: not checked.", null, e => e.Atalaya?.Process?.Packaged),
        F("atalaya.file.package", FieldType.Keyword, "Package that owns the file, or absent when none does.", null, e => e.Atalaya?.File?.Package),
        F("atalaya.file.package_verified", FieldType.Boolean, "The file matches its package's recorded digest (false: modified; absent: nothing to compare).", null, e => e.Atalaya?.File?.PackageVerified),
        F("atalaya.file.old_path", FieldType.Keyword, "Path before a rename.", null, e => e.Atalaya?.File?.OldPath),
        F("atalaya.file.executable", FieldType.Boolean, "The file has an execute bit set.", null, e => e.Atalaya?.File?.Executable),
        F("atalaya.file.coalesced", FieldType.Long, "How many raw kernel events were merged into this one.", null, e => e.Atalaya?.File?.Coalesced),
        F("atalaya.file.batch_created", FieldType.Long, "Package-manager batch: paths created.", null, e => e.Atalaya?.File?.BatchCreated),
        F("atalaya.file.batch_modified", FieldType.Long, "Package-manager batch: paths replaced or changed.", null, e => e.Atalaya?.File?.BatchModified),
        F("atalaya.file.batch_deleted", FieldType.Long, "Package-manager batch: paths removed.", null, e => e.Atalaya?.File?.BatchDeleted),
        A("atalaya.file.batch_packages", "Package-manager batch: packages installed, upgraded or removed, where known.", null, e => e.Atalaya?.File?.BatchPackages),
        A("atalaya.file.batch_paths", "Package-manager batch: the first few paths.", null, e => e.Atalaya?.File?.BatchPaths),
        F("atalaya.network.state", FieldType.Keyword, "Kernel socket state.", null, e => e.Atalaya?.Network?.State),
        F("atalaya.network.inode", FieldType.Long, "Socket inode.", null, e => e.Atalaya?.Network?.Inode),
        F("atalaya.network.exposure", FieldType.Keyword, "Listener exposure: loopback, all-interfaces, specific-address.", null, e => e.Atalaya?.Network?.Exposure),
        F("atalaya.network.rtt_microseconds", FieldType.Long, "Smoothed TCP round-trip time in microseconds.", null, e => e.Atalaya?.Network?.RttMicroseconds),
        A("atalaya.network.standard_streams", "The owner's stdin, stdout or stderr that are this socket.", null, e => e.Atalaya?.Network?.StandardStreams),
        F("atalaya.network.sensor", FieldType.Keyword, "The sensor that saw the socket.", null, e => e.Atalaya?.Network?.Sensor),
        F("atalaya.network.unseen", FieldType.Boolean, "The close of a connection no inventory saw open: its only lifecycle event.", null, e => e.Atalaya?.Network?.Unseen),
        F("atalaya.persistence.kind", FieldType.Keyword, "Kind of persistence entry: cron, systemd-unit, authorized-keys, shell-rc, ld-preload, ...", null, e => e.Atalaya?.Persistence?.Kind),
        F("atalaya.persistence.command", FieldType.Text, "The command the entry runs (crontab command, ExecStart=, RUN+=, command=).", null, e => e.Atalaya?.Persistence?.Command),
        F("atalaya.persistence.schedule", FieldType.Keyword, "When it runs: crontab schedule or timer calendar.", null, e => e.Atalaya?.Persistence?.Schedule),
        F("atalaya.persistence.user", FieldType.Keyword, "Whose entry it is (crontab user, home owner, unit User=).", null, e => e.Atalaya?.Persistence?.User),
        F("atalaya.persistence.target_executable", FieldType.Keyword, "The program the command runs, resolved to an absolute path.", null, e => e.Atalaya?.Persistence?.TargetExecutable),
        F("atalaya.persistence.target_sha256", FieldType.Keyword, "SHA-256 of the target executable.", null, e => e.Atalaya?.Persistence?.TargetSha256),
        F("atalaya.persistence.target_package", FieldType.Keyword, "Package owning the target executable (null: unknown or none).", null, e => e.Atalaya?.Persistence?.TargetPackage),
        F("atalaya.persistence.target_packaged", FieldType.Boolean, "True: target owned by a package; false: owned by none; absent: not checked.", null, e => e.Atalaya?.Persistence?.TargetPackaged),
        F("atalaya.persistence.detail", FieldType.Text, "More facts of the entry (key type and comment, sudoers flags, ...).", null, e => e.Atalaya?.Persistence?.Detail),
        F("atalaya.persistence.first_seen", FieldType.Date, "When the agent first saw the entry.", null, e => e.Atalaya?.Persistence?.FirstSeen),
        F("atalaya.persistence.previous_command", FieldType.Text, "On a change: the command before it.", null, e => e.Atalaya?.Persistence?.PreviousCommand),
        F("atalaya.account.shell", FieldType.Keyword, "Login shell of the account.", null, e => e.Atalaya?.Account?.Shell),
        F("atalaya.account.previous_shell", FieldType.Keyword, "Login shell before a change.", null, e => e.Atalaya?.Account?.PreviousShell),
        F("atalaya.account.home", FieldType.Keyword, "Home directory of the account.", null, e => e.Atalaya?.Account?.Home),
        F("atalaya.account.group", FieldType.Keyword, "Group a membership event is about.", null, e => e.Atalaya?.Account?.Group),
        F("atalaya.account.password_state", FieldType.Keyword, "set, empty, locked or none (never the hash).", null, e => e.Atalaya?.Account?.PasswordState),
        F("atalaya.account.password_changed", FieldType.Date, "Last password change (day) from /etc/shadow.", null, e => e.Atalaya?.Account?.PasswordChanged),
        F("atalaya.account.auth_method", FieldType.Keyword, "Authentication method: password, publickey, ...", null, e => e.Atalaya?.Account?.AuthMethod),
        F("atalaya.account.target_user", FieldType.Keyword, "User a sudo or su session runs as.", null, e => e.Atalaya?.Account?.TargetUser),
        F("atalaya.account.previous_records", FieldType.Long, "Log tampering: records (or bytes) before.", null, e => e.Atalaya?.Account?.PreviousRecords),
        F("atalaya.account.records", FieldType.Long, "Log tampering: records (or bytes) now.", null, e => e.Atalaya?.Account?.Records),
        F("atalaya.metrics.cpu_user_pct", FieldType.Float, "CPU time in user mode, percent of all CPUs.", null, e => e.Atalaya?.Metrics?.CpuUserPct),
        F("atalaya.metrics.cpu_system_pct", FieldType.Float, "CPU time in kernel mode, percent.", null, e => e.Atalaya?.Metrics?.CpuSystemPct),
        F("atalaya.metrics.cpu_idle_pct", FieldType.Float, "CPU idle, percent.", null, e => e.Atalaya?.Metrics?.CpuIdlePct),
        F("atalaya.metrics.cpu_iowait_pct", FieldType.Float, "CPU waiting for I/O, percent.", null, e => e.Atalaya?.Metrics?.CpuIowaitPct),
        F("atalaya.metrics.cpu_steal_pct", FieldType.Float, "CPU stolen by the hypervisor, percent.", null, e => e.Atalaya?.Metrics?.CpuStealPct),
        F("atalaya.metrics.memory_total_bytes", FieldType.Long, "MemTotal.", null, e => e.Atalaya?.Metrics?.MemoryTotalBytes),
        F("atalaya.metrics.memory_available_bytes", FieldType.Long, "MemAvailable.", null, e => e.Atalaya?.Metrics?.MemoryAvailableBytes),
        F("atalaya.metrics.swap_total_bytes", FieldType.Long, "SwapTotal.", null, e => e.Atalaya?.Metrics?.SwapTotalBytes),
        F("atalaya.metrics.swap_used_bytes", FieldType.Long, "SwapTotal - SwapFree.", null, e => e.Atalaya?.Metrics?.SwapUsedBytes),
        F("atalaya.metrics.load1", FieldType.Float, "Load average over 1 minute.", null, e => e.Atalaya?.Metrics?.Load1),
        F("atalaya.metrics.load5", FieldType.Float, "Load average over 5 minutes.", null, e => e.Atalaya?.Metrics?.Load5),
        F("atalaya.metrics.load15", FieldType.Float, "Load average over 15 minutes.", null, e => e.Atalaya?.Metrics?.Load15),
        F("atalaya.metrics.disk_read_bytes", FieldType.Long, "Bytes read from disks during the interval.", null, e => e.Atalaya?.Metrics?.DiskReadBytes),
        F("atalaya.metrics.disk_write_bytes", FieldType.Long, "Bytes written to disks during the interval.", null, e => e.Atalaya?.Metrics?.DiskWriteBytes),
        F("atalaya.metrics.interval_seconds", FieldType.Float, "Seconds the sample covers.", null, e => e.Atalaya?.Metrics?.IntervalSeconds),
        F("atalaya.metrics.process_cpu_pct", FieldType.Float, "A process's CPU, percent of one core.", null, e => e.Atalaya?.Metrics?.ProcessCpuPct),
        F("atalaya.metrics.process_rss_bytes", FieldType.Long, "A process's resident memory.", null, e => e.Atalaya?.Metrics?.ProcessRssBytes),
        F("atalaya.audit.syscall", FieldType.Keyword, "Syscall behind the event, as the audit subsystem named it (execve, connect, openat, ...).", null, e => e.Atalaya?.Audit?.Syscall),
        F("atalaya.audit.key", FieldType.Keyword, "Key of the audit rule that selected the syscall.", null, e => e.Atalaya?.Audit?.Key),
        F("atalaya.audit.success", FieldType.Boolean, "The syscall succeeded.", null, e => e.Atalaya?.Audit?.Success),
        F("atalaya.audit.exit", FieldType.Long, "Syscall return value (negative errno on failure).", null, e => e.Atalaya?.Audit?.Exit),
        A("atalaya.audit.arguments", "First four syscall arguments in hex without prefix (audit's a0..a3).", null, e => e.Atalaya?.Audit?.Arguments),
        F("atalaya.audit.auid", FieldType.Keyword, "Audit login uid (unchanged by su and sudo); absent when unset.", null, e => e.Atalaya?.Audit?.Auid),
        F("atalaya.audit.euid", FieldType.Keyword, "Effective uid at the syscall.", null, e => e.Atalaya?.Audit?.Euid),
    ];

    private static readonly FrozenDictionary<string, FieldDefinition> ByEcs =
        All.ToFrozenDictionary(f => f.EcsName, StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, FieldDefinition> BySigma =
        All.Where(f => f.SigmaName is not null).ToFrozenDictionary(f => f.SigmaName!, StringComparer.OrdinalIgnoreCase);

    /// <summary>Structured fields that are lists of objects, documented but not addressable as one value.</summary>
    public static IReadOnlyList<string> ObjectListFields { get; } = ["atalaya.evidence", "atalaya.process.ancestry", "atalaya.audit.paths"];

    public static FieldDefinition? FindEcs(string ecsName) => ByEcs.GetValueOrDefault(ecsName);

    public static FieldDefinition? FindSigma(string sigmaName) => BySigma.GetValueOrDefault(sigmaName);

    private static FieldDefinition F(string ecs, FieldType type, string description, string? sigma, Func<EcsEvent, object?> read) =>
        new(ecs, type, description, sigma, read);

    private static FieldDefinition A(string ecs, string description, string? sigma, Func<EcsEvent, object?> read) =>
        new(ecs, FieldType.Keyword, description, sigma, read) { IsArray = true };
}
