using Atalaya.Core.Schema;

namespace Atalaya.Platform.Linux.Processes;

/// <summary>
/// The union of the two views of one exec. Pure. Audit is exact about the exec itself — argv, the
/// image, the working directory at syscall time — where /proc is read after the fact (a process can
/// rewrite its cmdline, exec again, chdir, or be gone). /proc is the only source of the enrichment:
/// hash, size and mtime of the image, ancestry, parent details, container, namespaces, environment.
/// </summary>
/// <remarks>
/// The audit event is the base so that everything it carries beyond the process fields (the
/// auditd-shaped view the Sigma rules read, its event id) survives; the process fields and
/// <c>atalaya.process</c> come from the union, and the action is the process sensor's
/// <c>process-exec</c>: the same event whichever sensors saw the exec.
/// </remarks>
internal static class ExecEventMerger
{
    public static EcsEvent Merge(EcsEvent connector, EcsEvent audit)
    {
        ArgumentNullException.ThrowIfNull(connector);
        ArgumentNullException.ThrowIfNull(audit);
        var fromProc = connector.Process ?? new ProcessFields();
        var fromAudit = audit.Process ?? new ProcessFields();
        var auditHasArgs = fromAudit.Args is { Count: > 0 };

        // /proc read after a second exec (or after a binary replaced in place) describes another image:
        // its hash and file facts must not be attached to this one.
        var sameImage = fromAudit.Executable is null || fromProc.Executable is null
            || string.Equals(fromAudit.Executable, fromProc.Executable, StringComparison.Ordinal);
        var executable = fromAudit.Executable ?? fromProc.Executable;
        var args = auditHasArgs ? fromAudit.Args : fromProc.Args;
        var process = fromProc with
        {
            EntityId = fromProc.EntityId ?? fromAudit.EntityId,
            Name = sameImage ? fromProc.Name ?? fromAudit.Name : fromAudit.Name ?? fromProc.Name,
            Executable = executable,
            Args = args,
            ArgsCount = args?.Count ?? 0,
            CommandLine = auditHasArgs ? fromAudit.CommandLine : fromProc.CommandLine,
            WorkingDirectory = fromAudit.WorkingDirectory ?? fromProc.WorkingDirectory,
            Start = fromProc.Start ?? fromAudit.Start,
            User = fromProc.User ?? fromAudit.User,
            Parent = fromProc.Parent ?? fromAudit.Parent,
            Hash = sameImage ? fromProc.Hash : null,
        };

        var enrichment = connector.Atalaya?.Process;
        if (!sameImage && enrichment is not null)
        {
            enrichment = enrichment with { ExecutableSize = null, ExecutableMtime = null, ExecutableDeleted = null };
        }

        // Partial only when neither side could fill it: the exec's identity (image and argv) missing
        // after the union, or both sides incomplete.
        var partial = executable is null || args is not { Count: > 0 }
            || (connector.Atalaya?.Partial == true && audit.Atalaya?.Partial == true);
        var atalaya = (audit.Atalaya ?? new AtalayaFields()) with { Process = enrichment, Partial = partial ? true : null };
        return audit with
        {
            Timestamp = connector.Timestamp,
            Event = audit.Event with
            {
                Kind = EventKinds.Event,
                Category = [EventCategories.Process],
                Type = [EventTypes.Start],
                Action = ProcfsProcessCollector.ActionExec,
                Dataset = Datasets.Process,
            },
            Host = audit.Host ?? connector.Host,
            Process = process,
            User = process.User,
            Atalaya = atalaya,
        };
    }

    /// <summary>
    /// Whether audit's view, arriving after the connector's was published alone, changes it: argv
    /// differs (rewritten or unread cmdline), an image where /proc had none, or a partial event.
    /// </summary>
    public static bool AuditAddsTo(EcsEvent connector, EcsEvent audit)
    {
        ArgumentNullException.ThrowIfNull(connector);
        ArgumentNullException.ThrowIfNull(audit);
        var fromProc = connector.Process;
        var fromAudit = audit.Process;
        if (fromAudit is null)
        {
            return false;
        }

        if (connector.Atalaya?.Partial == true && audit.Atalaya?.Partial != true)
        {
            return true;
        }

        if (fromProc?.Executable is null && fromAudit.Executable is not null)
        {
            return true;
        }

        return fromAudit.Args is { Count: > 0 } args && (fromProc?.Args is not { } procArgs || !args.SequenceEqual(procArgs, StringComparer.Ordinal));
    }
}
