using System.Buffers.Binary;

namespace Atalaya.Platform.Linux.Audit;

/// <summary>
/// <c>struct audit_status</c> as AUDIT_GET reports it. Older kernels send a shorter struct (no
/// feature bitmap or backlog wait time): the missing tail reads as zero.
/// </summary>
public readonly record struct AuditStatus
{
    /// <summary>Size of the struct on current kernels: eleven u32.</summary>
    public const int Size = 44;

    public AuditStatusMask Mask { get; init; }

    /// <summary>0 off, 1 on, 2 locked (immutable until reboot).</summary>
    public uint Enabled { get; init; }

    public uint Failure { get; init; }

    /// <summary>Pid of the registered audit daemon; 0 when nobody receives the records.</summary>
    public uint Pid { get; init; }

    public uint RateLimit { get; init; }

    public uint BacklogLimit { get; init; }

    /// <summary>Records the kernel dropped since boot (or since the counter was reset).</summary>
    public uint Lost { get; init; }

    public uint Backlog { get; init; }

    public uint FeatureBitmap { get; init; }

    /// <summary>How long (jiffies) a task waits for backlog room before its record is dropped.</summary>
    public uint BacklogWaitTime { get; init; }

    public uint BacklogWaitTimeActual { get; init; }

    public static bool TryParse(ReadOnlySpan<byte> payload, out AuditStatus status)
    {
        // The first eight fields have been there since 2.6; anything shorter is not a status.
        if (payload.Length < 32)
        {
            status = default;
            return false;
        }

        Span<byte> padded = stackalloc byte[Size];
        padded.Clear();
        payload[..Math.Min(payload.Length, Size)].CopyTo(padded);
        status = new AuditStatus
        {
            Mask = (AuditStatusMask)Read(padded, 0),
            Enabled = Read(padded, 1),
            Failure = Read(padded, 2),
            Pid = Read(padded, 3),
            RateLimit = Read(padded, 4),
            BacklogLimit = Read(padded, 5),
            Lost = Read(padded, 6),
            Backlog = Read(padded, 7),
            FeatureBitmap = Read(padded, 8),
            BacklogWaitTime = Read(padded, 9),
            BacklogWaitTimeActual = Read(padded, 10),
        };
        return true;
    }

    /// <summary>The struct in host byte order, for AUDIT_SET (only the fields named in <see cref="Mask"/> are applied).</summary>
    public void WriteTo(Span<byte> destination)
    {
        Write(destination, 0, (uint)Mask);
        Write(destination, 1, Enabled);
        Write(destination, 2, Failure);
        Write(destination, 3, Pid);
        Write(destination, 4, RateLimit);
        Write(destination, 5, BacklogLimit);
        Write(destination, 6, Lost);
        Write(destination, 7, Backlog);
        Write(destination, 8, FeatureBitmap);
        Write(destination, 9, BacklogWaitTime);
        Write(destination, 10, BacklogWaitTimeActual);
    }

    private static uint Read(ReadOnlySpan<byte> s, int index) => BinaryPrimitives.ReadUInt32LittleEndian(s[(index * 4)..]);

    private static void Write(Span<byte> s, int index, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(s[(index * 4)..], value);
}
