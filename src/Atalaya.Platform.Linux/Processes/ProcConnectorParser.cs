using System.Buffers.Binary;
using System.Text;

namespace Atalaya.Platform.Linux.Processes;

/// <summary>
/// Parses the datagrams of the netlink process connector: struct nlmsghdr, then struct cn_msg, then
/// struct proc_event (linux/netlink.h, linux/connector.h, linux/cn_proc.h). Pure: bytes in, events out.
/// </summary>
/// <remarks>
/// Layout (host byte order, which is what the kernel writes): nlmsghdr is 16 bytes; cn_msg is 20
/// (idx, val, seq, ack as u32, len and flags as u16); proc_event is what(u32), cpu(u32), timestamp_ns(u64),
/// then the per-kind union. 16 + 20 = 36, so the u64 timestamp sits at byte 44 of the datagram: not
/// 8-aligned, hence the BinaryPrimitives reads on spans rather than a struct overlay.
/// </remarks>
public static class ProcConnectorParser
{
    public const int NetlinkHeaderLength = 16;
    public const int ConnectorHeaderLength = 20;

    /// <summary>what + cpu + timestamp_ns.</summary>
    public const int ProcEventHeaderLength = 16;

    /// <summary>CN_IDX_PROC and CN_VAL_PROC: the connector id of the process events.</summary>
    public const uint ConnectorIndexProc = 1;
    public const uint ConnectorValueProc = 1;

    private const ushort NlmsgError = 2;
    private const ushort NlmsgDone = 3;
    private const ushort NlmsgOverrun = 4;

    /// <summary>
    /// The next netlink message of a datagram (a datagram may in theory hold several). False at the end
    /// or when the header lies about its length; <paramref name="rest"/> is what follows.
    /// </summary>
    public static bool TryReadNetlinkMessage(ReadOnlySpan<byte> datagram, out ushort type, out ReadOnlySpan<byte> payload, out ReadOnlySpan<byte> rest)
    {
        type = 0;
        payload = default;
        rest = default;
        if (datagram.Length < NetlinkHeaderLength)
        {
            return false;
        }

        var length = BinaryPrimitives.ReadUInt32LittleEndian(datagram);
        if (length < NetlinkHeaderLength || length > (uint)datagram.Length)
        {
            return false;
        }

        type = BinaryPrimitives.ReadUInt16LittleEndian(datagram[4..]);
        payload = datagram[NetlinkHeaderLength..(int)length];

        // NLMSG_ALIGN: messages are padded to 4 bytes.
        var aligned = (int)Math.Min(((length + 3) & ~3u), (uint)datagram.Length);
        rest = datagram[aligned..];
        return true;
    }

    /// <summary>
    /// One connector payload (after nlmsghdr) into an event. False when it is not a process event
    /// (another connector id), is shorter than its kind needs, or has an unknown kind.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> payload, out ProcConnectorEvent value)
    {
        value = default;
        if (payload.Length < ConnectorHeaderLength + ProcEventHeaderLength)
        {
            return false;
        }

        var idx = BinaryPrimitives.ReadUInt32LittleEndian(payload);
        var val = BinaryPrimitives.ReadUInt32LittleEndian(payload[4..]);
        var dataLength = BinaryPrimitives.ReadUInt16LittleEndian(payload[16..]);
        if (idx != ConnectorIndexProc || val != ConnectorValueProc)
        {
            return false;
        }

        var ev = payload[ConnectorHeaderLength..];
        if (dataLength < ProcEventHeaderLength || dataLength > ev.Length)
        {
            return false;
        }

        ev = ev[..dataLength];
        var kind = (ProcEventKind)BinaryPrimitives.ReadUInt32LittleEndian(ev);
        var cpu = BinaryPrimitives.ReadUInt32LittleEndian(ev[4..]);
        var timestamp = BinaryPrimitives.ReadUInt64LittleEndian(ev[8..]);
        var data = ev[ProcEventHeaderLength..];
        var header = new ProcConnectorEvent { Kind = kind, Cpu = cpu, TimestampNs = timestamp };

        switch (kind)
        {
            case ProcEventKind.None:
                // The acknowledgement of PROC_CN_MCAST_LISTEN: struct { u32 err; }.
                if (data.Length < 4)
                {
                    return false;
                }

                value = header with { ExitCode = U32(data, 0) };
                return true;
            case ProcEventKind.Fork:
                // parent_pid, parent_tgid, child_pid, child_tgid.
                if (data.Length < 16)
                {
                    return false;
                }

                value = header with { ParentPid = I32(data, 0), ParentTgid = I32(data, 4), Pid = I32(data, 8), Tgid = I32(data, 12) };
                return true;
            case ProcEventKind.Exec:
            case ProcEventKind.Sid:
                if (data.Length < 8)
                {
                    return false;
                }

                value = header with { Pid = I32(data, 0), Tgid = I32(data, 4) };
                return true;
            case ProcEventKind.Uid:
            case ProcEventKind.Gid:
                // process_pid, process_tgid, r.ruid|rgid, e.euid|egid.
                if (data.Length < 16)
                {
                    return false;
                }

                value = header with { Pid = I32(data, 0), Tgid = I32(data, 4), RealId = U32(data, 8), EffectiveId = U32(data, 12) };
                return true;
            case ProcEventKind.Ptrace:
                if (data.Length < 16)
                {
                    return false;
                }

                value = header with { Pid = I32(data, 0), Tgid = I32(data, 4), TracerPid = I32(data, 8), TracerTgid = I32(data, 12) };
                return true;
            case ProcEventKind.Comm:
                if (data.Length < 8 + 16)
                {
                    return false;
                }

                value = header with { Pid = I32(data, 0), Tgid = I32(data, 4), Comm = CString(data.Slice(8, 16)) };
                return true;
            case ProcEventKind.Coredump:
                if (data.Length < 16)
                {
                    return false;
                }

                value = header with { Pid = I32(data, 0), Tgid = I32(data, 4), ParentPid = I32(data, 8), ParentTgid = I32(data, 12) };
                return true;
            case ProcEventKind.Exit:
            case ProcEventKind.NonzeroExit:
                // process_pid, process_tgid, exit_code, exit_signal, parent_pid, parent_tgid (the last two since 4.18).
                if (data.Length < 16)
                {
                    return false;
                }

                value = header with
                {
                    Kind = ProcEventKind.Exit,
                    Pid = I32(data, 0),
                    Tgid = I32(data, 4),
                    ExitCode = U32(data, 8),
                    ExitSignal = U32(data, 12),
                    ParentPid = data.Length >= 24 ? I32(data, 16) : 0,
                    ParentTgid = data.Length >= 24 ? I32(data, 20) : 0,
                };
                return true;
            default:
                return false;
        }
    }

    /// <summary>True for an NLMSG_ERROR, NLMSG_OVERRUN or other message type that carries no process event.</summary>
    public static bool IsControlMessage(ushort type) => type is NlmsgError or NlmsgOverrun || (type != NlmsgDone && type < 16);

    /// <summary>
    /// The datagram that subscribes to process events: nlmsghdr (type NLMSG_DONE, as the connector
    /// expects), cn_msg for CN_IDX_PROC, and the u32 op PROC_CN_MCAST_LISTEN (1) or IGNORE (2).
    /// </summary>
    public static byte[] BuildSubscription(bool listen, uint portId, ProcEventKind? only = null)
    {
        // Linux 6.6+: struct proc_input { mcast_op; event_type } instead of the bare op.
        var payload = only is null ? 4 : 8;
        var length = NetlinkHeaderLength + ConnectorHeaderLength + payload;
        var buffer = new byte[length];
        var span = buffer.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)length);
        BinaryPrimitives.WriteUInt16LittleEndian(span[4..], NlmsgDone);
        BinaryPrimitives.WriteUInt32LittleEndian(span[12..], portId);
        var cn = span[NetlinkHeaderLength..];
        BinaryPrimitives.WriteUInt32LittleEndian(cn, ConnectorIndexProc);
        BinaryPrimitives.WriteUInt32LittleEndian(cn[4..], ConnectorValueProc);
        BinaryPrimitives.WriteUInt16LittleEndian(cn[16..], (ushort)payload);
        BinaryPrimitives.WriteUInt32LittleEndian(cn[ConnectorHeaderLength..], listen ? 1u : 2u);
        if (only is { } kinds)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(cn[(ConnectorHeaderLength + 4)..], (uint)kinds);
        }

        return buffer;
    }

    private static int I32(ReadOnlySpan<byte> data, int offset) => BinaryPrimitives.ReadInt32LittleEndian(data[offset..]);

    private static uint U32(ReadOnlySpan<byte> data, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(data[offset..]);

    /// <summary>A NUL-terminated (or full-length) kernel char array; invalid UTF-8 replaced.</summary>
    internal static string CString(ReadOnlySpan<byte> bytes)
    {
        var end = bytes.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? bytes : bytes[..end]);
    }
}
