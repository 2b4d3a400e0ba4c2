using System.Buffers.Binary;
using Atalaya.Platform.Linux.Processes;

namespace Atalaya.Platform.Linux.Tests.Processes;

/// <summary>Builds proc connector datagrams byte by byte, in the kernel's layout, for parser and fault tests.</summary>
internal static class ConnectorDatagrams
{
    public static byte[] Fork(int parentPid, int parentTgid, int childPid, int childTgid, ulong timestamp = 123_456_789) =>
        Build(ProcEventKind.Fork, timestamp, parentPid, parentTgid, childPid, childTgid);

    public static byte[] Exec(int pid, int tgid, ulong timestamp = 123_456_789) => Build(ProcEventKind.Exec, timestamp, pid, tgid);

    public static byte[] Exit(int pid, int tgid, int code, int signal, int parentPid, int parentTgid, ulong timestamp = 123_456_789) =>
        Build(ProcEventKind.Exit, timestamp, pid, tgid, code, signal, parentPid, parentTgid);

    public static byte[] Uid(int pid, int tgid, int ruid, int euid) => Build(ProcEventKind.Uid, 1, pid, tgid, ruid, euid);

    public static byte[] Ptrace(int pid, int tgid, int tracerPid, int tracerTgid) => Build(ProcEventKind.Ptrace, 1, pid, tgid, tracerPid, tracerTgid);

    public static byte[] Comm(int pid, int tgid, byte[] comm)
    {
        var data = new byte[8 + 16];
        BinaryPrimitives.WriteInt32LittleEndian(data, pid);
        BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(4), tgid);
        comm.AsSpan(0, Math.Min(comm.Length, 16)).CopyTo(data.AsSpan(8));
        return Wrap(ProcEventKind.Comm, 1, data);
    }

    public static byte[] Build(ProcEventKind kind, ulong timestamp, params int[] fields)
    {
        var data = new byte[fields.Length * 4];
        for (var i = 0; i < fields.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(i * 4), fields[i]);
        }

        return Wrap(kind, timestamp, data);
    }

    public static byte[] Wrap(ProcEventKind kind, ulong timestamp, byte[] data, uint idx = 1, uint val = 1, uint cpu = 1)
    {
        var eventLength = 16 + data.Length;
        var length = 16 + 20 + eventLength;
        var buffer = new byte[length];
        var span = buffer.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)length);
        BinaryPrimitives.WriteUInt16LittleEndian(span[4..], 3); // NLMSG_DONE, as the connector sends
        var cn = span[16..];
        BinaryPrimitives.WriteUInt32LittleEndian(cn, idx);
        BinaryPrimitives.WriteUInt32LittleEndian(cn[4..], val);
        BinaryPrimitives.WriteUInt16LittleEndian(cn[16..], (ushort)eventLength);
        var ev = cn[20..];
        BinaryPrimitives.WriteUInt32LittleEndian(ev, (uint)kind);
        BinaryPrimitives.WriteUInt32LittleEndian(ev[4..], cpu);
        BinaryPrimitives.WriteUInt64LittleEndian(ev[8..], timestamp);
        data.CopyTo(ev[16..]);
        return buffer;
    }
}
