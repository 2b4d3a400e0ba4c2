using System.Globalization;
using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Processes;

namespace Atalaya.Platform.Linux.Audit;

/// <summary>
/// Turns assembled audit events into Core events. Pure apart from the callbacks in
/// <see cref="AuditMapperContext"/> (user names, a process's start time for its entity id).
/// </summary>
/// <remarks>
/// Conventions shared with the other sensors: <c>source</c> is the local end and <c>destination</c> the
/// remote end of a socket (for an accept, the peer is the destination and the direction ingress);
/// audit does not say the socket type, so <c>network.transport</c> is left unset.
/// </remarks>
public static class AuditEventMapper
{
    public const string ActionExec = "process-exec-audit";
    public const string ActionConnect = "connection-attempted";
    public const string ActionAccept = "connection-accepted";
    public const string ActionBind = "socket-bound";
    public const string ActionPtrace = "process-ptrace";
    public const string ActionModule = "kernel-module-loaded";
    public const string ActionIdentity = "process-identity-changed";
    public const string ActionFileCreated = "file-created";
    public const string ActionFileDeleted = "file-deleted";
    public const string ActionFileChanged = "file-changed";
    public const string ActionFileDenied = "file-access-denied";

    private const int EInProgress = 115;

    /// <summary>Core events for one audit event: none (not ours, failed exec), one, or one per file touched.</summary>
    public static IReadOnlyList<EcsEvent> Map(AuditEvent audit, AuditMapperContext context)
    {
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentNullException.ThrowIfNull(context);
        if (audit.Syscall is not { } syscall
            || !uint.TryParse(syscall.Get("arch"), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var arch)
            || !int.TryParse(syscall.Get("syscall"), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return [];
        }

        var name = AuditSyscallNames.Of(arch, number);
        var key = AuditValue.DecodeString(syscall["key"]) ?? string.Empty;
        var success = string.Equals(syscall.Get("success"), "yes", StringComparison.Ordinal);
        var facts = FactsOf(audit, syscall, name, key);
        if (key == AuditKeys.Watch || key == AuditKeys.DeniedRead)
        {
            return MapFile(audit, syscall, key, context, facts);
        }

        return name switch
        {
            "execve" or "execveat" when success => [MapExec(audit, syscall, context, facts)],
            "connect" or "accept" or "accept4" or "bind" => MapSocket(audit, syscall, name, context, facts),
            "socketcall" => MapSocketCall(audit, syscall, context, facts),
            "ptrace" => [MapSimple(audit, syscall, context, facts, EventCategories.Process, EventTypes.Access, ActionPtrace, Datasets.Process,
                $"ptrace request {Arg(syscall, 0)} on pid {Arg(syscall, 1)}")],
            "init_module" or "finit_module" => [MapSimple(audit, syscall, context, facts, EventCategories.Driver, EventTypes.Start, ActionModule, Datasets.Process,
                name + (name == "finit_module" ? " from fd " + Arg(syscall, 0) : string.Empty))],
            _ when key == AuditKeys.Identity && success => [MapSimple(audit, syscall, context, facts, EventCategories.Process, EventTypes.Change, ActionIdentity,
                Datasets.Process, $"{name ?? "syscall " + number.ToString(CultureInfo.InvariantCulture)}: uid={syscall.Get("uid")} euid={syscall.Get("euid")} gid={syscall.Get("gid")} egid={syscall.Get("egid")}")],
            _ => [],
        };
    }

    /// <summary>
    /// <c>atalaya.audit</c>: the SYSCALL record's facts as audit prints them (arguments in hex) and its
    /// PATH records, so Sigma's auditd rules can read the SYSCALL and PATH records of the event.
    /// </summary>
    internal static AtalayaAuditFields FactsOf(AuditEvent audit, AuditRecord syscall, string? name, string key)
    {
        var paths = new List<AuditPathFields>();
        foreach (var path in audit.OfType(AuditMessageType.Path))
        {
            paths.Add(new AuditPathFields { Name = AuditValue.DecodeString(path["name"]), Nametype = path.Get("nametype") });
        }

        var success = syscall.Get("success");
        var arguments = new List<string>(4);
        for (var i = 0; i < 4 && syscall.Get("a" + i.ToString(CultureInfo.InvariantCulture)) is { } argument; i++)
        {
            arguments.Add(argument);
        }

        // 4294967295 is (uid_t)-1: no login uid (a daemon started at boot).
        var auid = syscall.Get("auid");
        return new AtalayaAuditFields
        {
            Syscall = name,
            Key = key.Length == 0 ? null : key,
            Success = success == "yes" ? true : success == "no" ? false : null,
            Exit = long.TryParse(syscall.Get("exit"), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var exit) ? exit : null,
            Arguments = arguments.Count == 0 ? null : arguments,
            Auid = auid is null or "4294967295" ? null : auid,
            Euid = syscall.Get("euid"),
            Paths = paths.Count == 0 ? null : paths,
        };
    }

    private static EcsEvent MapExec(AuditEvent audit, AuditRecord syscall, AuditMapperContext context, AtalayaAuditFields facts)
    {
        var complete = AuditExecveDecoder.TryDecode(audit.OfType(AuditMessageType.Execve), out var raw);
        var args = raw.ConvertAll(a => AuditValue.Utf8.GetString(a));
        var process = ProcessOf(syscall, context, audit.Timestamp) with
        {
            Args = args,
            ArgsCount = args.Count,
            CommandLine = args.Count == 0 ? null : CommandLine.Join(args),
            WorkingDirectory = AuditValue.DecodeString(audit.Cwd?["cwd"]),
            Start = audit.Timestamp,
        };
        return Build(audit, EventCategories.Process, EventTypes.Start, ActionExec, Datasets.Process, context, process,
            outcome: EventOutcomes.Success, partial: !complete || !audit.Complete, facts);
    }

    private static IReadOnlyList<EcsEvent> MapSocket(AuditEvent audit, AuditRecord syscall, string name, AuditMapperContext context, AtalayaAuditFields facts)
    {
        var exit = ExitCode(syscall);
        if (audit.Sockaddr?["saddr"] is not { } saddr || !AuditValue.TryDecodeHex(saddr.Value, out var bytes)
            || !AuditSockaddr.TryParse(bytes, out var address) || address.Address is null)
        {
            // accept() without a peer buffer, or a non-IP family that passed an unfiltered rule.
            return [];
        }

        var accept = name is "accept" or "accept4";
        var bind = name == "bind";
        var outcome = exit >= 0 ? EventOutcomes.Success : exit == -EInProgress ? EventOutcomes.Unknown : EventOutcomes.Failure;
        var ip = SocketText(address);
        var endpoint = new EndpointFields { Ip = ip, Port = address.Port };
        var value = Build(audit, EventCategories.Network, bind ? EventTypes.Info : EventTypes.Connection,
            bind ? ActionBind : accept ? ActionAccept : ActionConnect, Datasets.Network, context, ProcessOf(syscall, context, null),
            outcome, partial: !audit.Complete, facts);
        return
        [
            value with
            {
                Source = bind ? endpoint : null,
                Destination = bind ? null : endpoint,
                Network = new NetworkFields
                {
                    Type = address.Family == AuditSockaddr.AfInet6 ? "ipv6" : "ipv4",
                    Direction = bind ? null : accept ? "ingress" : "egress",
                },
                Related = new RelatedFields { Ip = [ip] },
            },
        ];
    }

    /// <summary>i386 socketcall(call, args): a0 is SYS_CONNECT (3), SYS_BIND (2), SYS_ACCEPT (5) or SYS_ACCEPT4 (18).</summary>
    private static IReadOnlyList<EcsEvent> MapSocketCall(AuditEvent audit, AuditRecord syscall, AuditMapperContext context, AtalayaAuditFields facts) =>
        Arg(syscall, 0) switch
        {
            "2" => MapSocket(audit, syscall, "bind", context, facts),
            "3" => MapSocket(audit, syscall, "connect", context, facts),
            "5" or "12" => MapSocket(audit, syscall, "accept", context, facts),
            _ => [],
        };

    private static IReadOnlyList<EcsEvent> MapFile(AuditEvent audit, AuditRecord syscall, string key, AuditMapperContext context, AtalayaAuditFields facts)
    {
        var cwd = AuditValue.DecodeString(audit.Cwd?["cwd"]);
        var events = new List<EcsEvent>();
        var process = ProcessOf(syscall, context, null);
        foreach (var path in audit.OfType(AuditMessageType.Path))
        {
            var nametype = path.Get("nametype");
            if (nametype is "PARENT" or "UNKNOWN" || AuditValue.DecodeString(path["name"]) is not { Length: > 0 } name)
            {
                continue;
            }

            var full = name[0] == '/' || cwd is null ? name : cwd.TrimEnd('/') + "/" + name;
            var (type, action) = key == AuditKeys.DeniedRead ? (EventTypes.Access, ActionFileDenied)
                : nametype == "CREATE" ? (EventTypes.Creation, ActionFileCreated)
                : nametype == "DELETE" ? (EventTypes.Deletion, ActionFileDeleted)
                : (EventTypes.Change, ActionFileChanged);
            // Each file event carries its own PATH record: an auditd PATH rule then fires on the event of that path.
            var value = Build(audit, EventCategories.File, type, action, Datasets.File, context, process,
                key == AuditKeys.DeniedRead ? EventOutcomes.Failure : EventOutcomes.Success, partial: !audit.Complete,
                facts with { Paths = [new AuditPathFields { Name = name, Nametype = nametype }] });
            events.Add(value with
            {
                File = new FileFields { Path = full, Name = full[(full.LastIndexOf('/') + 1)..] },
            });
        }

        return events;
    }

    private static EcsEvent MapSimple(AuditEvent audit, AuditRecord syscall, AuditMapperContext context, AtalayaAuditFields facts, string category, string type,
        string action, string dataset, string reason)
    {
        var outcome = string.Equals(syscall.Get("success"), "yes", StringComparison.Ordinal) ? EventOutcomes.Success : EventOutcomes.Failure;
        var value = Build(audit, category, type, action, dataset, context, ProcessOf(syscall, context, null), outcome, partial: !audit.Complete, facts);
        return value with { Event = value.Event with { Reason = reason } };
    }

    private static EcsEvent Build(AuditEvent audit, string category, string type, string action, string dataset, AuditMapperContext context,
        ProcessFields process, string outcome, bool partial, AtalayaAuditFields facts) => new()
    {
        Timestamp = audit.Timestamp,
        Event = new EventFields
        {
            Kind = EventKinds.Event,
            Category = [category],
            Type = [type],
            Action = action,
            Dataset = dataset,
            Module = "atalaya",
            Outcome = outcome,
            Id = "audit-" + audit.Serial.ToString(CultureInfo.InvariantCulture),
        },
        Host = context.Host,
        Process = process,
        User = process.User,
        Atalaya = new AtalayaFields { Partial = partial ? true : null, Audit = facts },
    };

    /// <summary>The acting process as the SYSCALL record names it (pid, ppid, comm, exe, uid at the syscall).</summary>
    private static ProcessFields ProcessOf(AuditRecord syscall, AuditMapperContext context, DateTimeOffset? execTime)
    {
        var pid = ParseInt(syscall.Get("pid"));
        var ppid = ParseInt(syscall.Get("ppid"));
        UserFields? user = null;
        if (uint.TryParse(syscall.Get("uid"), NumberStyles.None, CultureInfo.InvariantCulture, out var uid))
        {
            user = new UserFields { Id = uid.ToString(CultureInfo.InvariantCulture), Name = context.ResolveUser?.Invoke(uid) };
        }

        return new ProcessFields
        {
            Pid = pid,
            EntityId = context.EntityIdOf?.Invoke(pid, execTime),
            Name = AuditValue.DecodeString(syscall["comm"]),
            Executable = AuditValue.DecodeString(syscall["exe"]),
            User = user,
            Parent = ppid > 0 ? new ProcessFields { Pid = ppid } : null,
        };
    }

    private static string SocketText(AuditSockaddr address)
    {
        var ip = address.Address!;
        return ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4().ToString() : ip.ToString();
    }

    private static long ExitCode(AuditRecord syscall) =>
        long.TryParse(syscall.Get("exit"), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var exit) ? exit : 0;

    private static int ParseInt(string? text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : 0;

    /// <summary>a0..a3 of a SYSCALL record are hex without prefix.</summary>
    private static string Arg(AuditRecord syscall, int index) =>
        ulong.TryParse(syscall.Get("a" + index.ToString(CultureInfo.InvariantCulture)), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var value)
            ? value.ToString(CultureInfo.InvariantCulture)
            : "?";

}

/// <summary>What the mapper needs from the machine, as callbacks so the mapping stays testable.</summary>
public sealed record AuditMapperContext
{
    public HostFields? Host { get; init; }

    public Func<uint, string?>? ResolveUser { get; init; }

    /// <summary>The entity id of a live pid (boot id + pid + start time), or null when it is gone.</summary>
    public Func<int, DateTimeOffset?, string?>? EntityIdOf { get; init; }
}
