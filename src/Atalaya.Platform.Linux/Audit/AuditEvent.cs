namespace Atalaya.Platform.Linux.Audit;

/// <summary>
/// The records of one audited syscall (or one standalone record), grouped by serial, in arrival order.
/// <see cref="Complete"/> is true when the kernel's EOE closed it; false when it was flushed on the
/// timeout (standalone records have no EOE; a lost EOE leaves the rest usable).
/// </summary>
public sealed class AuditEvent
{
    public AuditEvent(ulong serial, IReadOnlyList<AuditRecord> records, bool complete)
    {
        Serial = serial;
        Records = records;
        Complete = complete;
    }

    public ulong Serial { get; }

    public IReadOnlyList<AuditRecord> Records { get; }

    public bool Complete { get; }

    public DateTimeOffset Timestamp => Records[0].Timestamp;

    public AuditRecord? Syscall => First(AuditMessageType.Syscall);

    public AuditRecord? Cwd => First(AuditMessageType.Cwd);

    public AuditRecord? Sockaddr => First(AuditMessageType.Sockaddr);

    public AuditRecord? Proctitle => First(AuditMessageType.Proctitle);

    public IEnumerable<AuditRecord> OfType(int type) => Records.Where(r => r.Type == type);

    public AuditRecord? First(int type)
    {
        foreach (var record in Records)
        {
            if (record.Type == type)
            {
                return record;
            }
        }

        return null;
    }
}
