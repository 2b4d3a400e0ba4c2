namespace Atalaya.Platform.Linux.Audit;

/// <summary>
/// One kernel audit record (<c>type=SYSCALL msg=audit(1700000000.123:42): arch=... pid=...</c>) with its
/// key/value pairs as the kernel wrote them, in order. Values are kept raw (quotes removed, hex left
/// encoded): which fields are hex-encodable depends on the field, so decoding happens at use, and the
/// raw pairs are what an auditd-shaped view for Sigma's auditd rules needs.
/// </summary>
public sealed record AuditRecord
{
    public required int Type { get; init; }

    /// <summary>Seconds since the epoch from the header.</summary>
    public required long Seconds { get; init; }

    public required int Milliseconds { get; init; }

    /// <summary>Serial of the event; every record of one syscall carries the same one.</summary>
    public required ulong Serial { get; init; }

    public required IReadOnlyList<AuditField> Fields { get; init; }

    public DateTimeOffset Timestamp => DateTimeOffset.FromUnixTimeSeconds(Seconds).AddMilliseconds(Milliseconds);

    /// <summary>First field with this key, or null.</summary>
    public AuditField? this[string key]
    {
        get
        {
            foreach (var field in Fields)
            {
                if (string.Equals(field.Key, key, StringComparison.Ordinal))
                {
                    return field;
                }
            }

            return null;
        }
    }

    /// <summary>The value of a field (raw form), or null.</summary>
    public string? Get(string key) => this[key]?.Value;
}

/// <summary>One <c>key=value</c> of a record. <see cref="Quoted"/>: the kernel wrote it in double quotes (literal text).</summary>
public sealed record AuditField(string Key, string Value, bool Quoted);
