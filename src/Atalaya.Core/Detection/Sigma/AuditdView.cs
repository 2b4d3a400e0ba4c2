using System.Collections.Concurrent;
using System.Globalization;
using Atalaya.Core.Schema;

namespace Atalaya.Core.Detection.Sigma;

/// <summary>The audit record types an event can be presented as to Sigma's <c>service: auditd</c> rules.</summary>
internal enum AuditdRecordType
{
    /// <summary>The arguments of an exec: <c>argc</c>, <c>a0..aN</c>. From <c>process.args</c> of any exec event.</summary>
    Execve,

    /// <summary>The syscall: name, exe, comm, key, ids, result, a0..a3 in hex. Only events of the audit sensor.</summary>
    Syscall,

    /// <summary>One path the syscall touched: name, nametype. Only events of the audit sensor.</summary>
    Path,
}

/// <summary>
/// An auditd-shaped view of our events, so SigmaHQ's auditd rules (written against raw audit
/// records) evaluate without a raw log. An event is one or more records: EXECVE whenever a process
/// starts with known arguments (audit, process connector or procfs poll: the rules fire even when
/// another daemon owns audit), SYSCALL and one PATH per path when the audit sensor saw the syscall
/// (<c>atalaya.audit</c>). A rule is compiled once per record type with its <c>type</c> tests
/// folded to constants, and matches an event when it matches one of the event's records, as
/// auditd rules match one log line. Field values are spelled as audit prints them (syscall
/// arguments in hex, <c>success</c> yes/no); a field that exists only in another record type is
/// absent, a field audit records but this view lacks makes the rule skip (never a silent miss).
/// </summary>
internal static class AuditdView
{
    public static readonly AuditdRecordType[] Types = [AuditdRecordType.Execve, AuditdRecordType.Syscall, AuditdRecordType.Path];

    /// <summary>Audit names the syscall argument registers a0..a3 in SYSCALL records; more never appear.</summary>
    private const int SyscallArguments = 4;

    private static readonly ConcurrentDictionary<(AuditdRecordType, string), FieldDefinition> Cache = new();

    private static readonly FieldDefinition ExecveArgs = Define(AuditdRecordType.Execve, "args", static e => e.Process?.Args);

    private static readonly string[] SyscallNames = ["SYSCALL", "syscall", "exe", "comm", "key", "uid", "auid", "euid", "success", "exit", "pid", "ppid"];

    private static readonly string[] PathNames = ["name", "nametype"];

    public static string TypeName(AuditdRecordType type) => type switch
    {
        AuditdRecordType.Execve => "EXECVE",
        AuditdRecordType.Syscall => "SYSCALL",
        _ => "PATH",
    };

    /// <summary>The reader of a field of one record type, or null when that record does not carry it (see <see cref="IsAbsent"/>).</summary>
    public static FieldDefinition? Field(AuditdRecordType type, string name) =>
        Reader(type, name) is { } read ? Cache.GetOrAdd((type, name), static (key, r) => Define(key.Item1, key.Item2, r), read) : null;

    /// <summary>
    /// True when a field the view lacks for this record type is also absent from the real record:
    /// it belongs to another record type we present (a PATH record has no <c>a1</c>), or it is a
    /// SYSCALL argument past a3. Otherwise the real record may carry it and the rule cannot be
    /// evaluated faithfully.
    /// </summary>
    public static bool IsAbsent(AuditdRecordType type, string name) =>
        Types.Any(other => other != type && Reader(other, name) is not null)
        || (type == AuditdRecordType.Syscall && ArgumentIndex(name) >= SyscallArguments);

    /// <summary>
    /// The field the prefilter scans for a literal required in <paramref name="field"/>: an EXECVE
    /// argument's literals are looked for in all the arguments at once (a literal in a3 is a literal
    /// in argv), one pass over argv instead of one per aN.
    /// </summary>
    public static FieldDefinition PrefilterField(FieldDefinition field) =>
        field.EcsName.StartsWith("EXECVE.a", StringComparison.Ordinal) && field.EcsName.Length > 8 && char.IsAsciiDigit(field.EcsName[8])
            ? ExecveArgs
            : field;

    /// <summary>The fields keywords are searched in: the values of the record, as its log line would hold them.</summary>
    public static FieldDefinition[] KeywordFields(AuditdRecordType type) => type switch
    {
        AuditdRecordType.Execve => [ExecveArgs],
        AuditdRecordType.Syscall => [.. SyscallNames.Where(n => n != "syscall").Select(n => Field(type, n)!)],
        _ => [.. PathNames.Select(n => Field(type, n)!)],
    };

    /// <summary>Whether the event has an EXECVE record: a process start (as process_creation rules see it) with arguments.</summary>
    public static bool HasExecve(EcsEvent value) =>
        value.Process?.Args is { Count: > 0 } && SigmaRuleSet.KindOf(value) == SigmaEventKind.ProcessCreation;

    /// <summary>Whether the event has SYSCALL (and maybe PATH) records: the audit sensor saw its syscall.</summary>
    public static AtalayaAuditFields? AuditOf(EcsEvent value) =>
        value.Event.Kind == EventKinds.Alert ? null : value.Atalaya?.Audit;

    /// <summary>
    /// The event narrowed to its i-th PATH record (PATH readers read the first path). An event with
    /// one path is its own view; others cost one copy per path, on audit events only.
    /// </summary>
    public static EcsEvent PathView(EcsEvent value, AtalayaAuditFields audit, int index) =>
        audit.Paths!.Count == 1 ? value : value with { Atalaya = value.Atalaya! with { Audit = audit with { Paths = [audit.Paths[index]] } } };

    /// <summary>Evaluates an auditd rule over every record of the event (no prefilter: tests, case files, explanations).</summary>
    public static bool Matches(SigmaRule rule, EcsEvent value) => FirstMatch(rule, value) is not null;

    /// <summary>The record that made the rule match, with its name for explanations, or null.</summary>
    public static (AuditdRecordType Type, EcsEvent View, SigmaCondition Condition)? FirstMatch(SigmaRule rule, EcsEvent value)
    {
        foreach (var (type, condition) in rule.AuditdConditions)
        {
            switch (type)
            {
                case AuditdRecordType.Execve when HasExecve(value) && condition.Evaluate(value, null):
                    return (type, value, condition);
                case AuditdRecordType.Syscall when AuditOf(value) is not null && condition.Evaluate(value, null):
                    return (type, value, condition);
                case AuditdRecordType.Path when AuditOf(value) is { Paths.Count: > 0 } audit:
                    for (var i = 0; i < audit.Paths.Count; i++)
                    {
                        var view = PathView(value, audit, i);
                        if (condition.Evaluate(view, null))
                        {
                            return (type, view, condition);
                        }
                    }

                    break;
            }
        }

        return null;
    }

    private static FieldDefinition Define(AuditdRecordType type, string name, Func<EcsEvent, object?> read) =>
        new($"{TypeName(type)}.{name}", FieldType.Keyword, $"auditd {TypeName(type)} record field {name}", name, read);

    private static Func<EcsEvent, object?>? Reader(AuditdRecordType type, string name)
    {
        var argument = ArgumentIndex(name);
        switch (type)
        {
            case AuditdRecordType.Execve:
                if (argument >= 0)
                {
                    return e => e.Process?.Args is { } args && argument < args.Count ? args[argument] : null;
                }

                return name == "argc" ? static e => e.Process?.Args?.Count : null;
            case AuditdRecordType.Syscall:
                if (argument is >= 0 and < SyscallArguments)
                {
                    return e => e.Atalaya?.Audit?.Arguments is { } args && argument < args.Count ? args[argument] : null;
                }

                return name switch
                {
                    "SYSCALL" or "syscall" => static e => e.Atalaya?.Audit?.Syscall,
                    "exe" => static e => e.Process?.Executable,
                    "comm" => static e => e.Process?.Name,
                    "key" => static e => e.Atalaya?.Audit?.Key,
                    "uid" => static e => e.Process?.User?.Id,
                    "auid" => static e => e.Atalaya?.Audit?.Auid,
                    "euid" => static e => e.Atalaya?.Audit?.Euid,
                    "success" => static e => e.Atalaya?.Audit?.Success switch { true => "yes", false => "no", null => null },
                    "exit" => static e => e.Atalaya?.Audit?.Exit,
                    "pid" => static e => e.Process?.Pid,
                    "ppid" => static e => e.Process?.Parent?.Pid,
                    _ => null,
                };
            default:
                return name switch
                {
                    "name" => static e => e.Atalaya?.Audit?.Paths is [var first, ..] ? first.Name : null,
                    "nametype" => static e => e.Atalaya?.Audit?.Paths is [var first, ..] ? first.Nametype : null,
                    _ => null,
                };
        }
    }

    /// <summary><c>a12</c> → 12; anything else → -1.</summary>
    private static int ArgumentIndex(string name) =>
        name.Length >= 2 && name[0] == 'a' && char.IsAsciiDigit(name[1])
        && int.TryParse(name.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < 100_000
            ? index
            : -1;
}
