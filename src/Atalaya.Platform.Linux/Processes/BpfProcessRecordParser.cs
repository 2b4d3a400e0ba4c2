using System.Buffers.Binary;
using System.Text;

namespace Atalaya.Platform.Linux.Processes;

/// <summary>
/// Decodes the records of Bpf/process_events.bpf.c. The offsets are that file's struct layouts
/// (record_header, fork_record, exec_record): change both together.
/// </summary>
internal static class BpfProcessRecordParser
{
    internal const int HeaderBytes = 24;
    internal const int ForkBytes = 32;
    internal const int ExecFixedBytes = 424;
    internal const int ArgsMax = 4096;
    internal const int NamespaceCount = 8;

    private const int CommOffset = 152;
    private const int CommBytes = 16;
    private const int FilenameOffset = 168;
    private const int FilenameBytes = 256;

    /// <summary>False for a record too short for its kind, an unknown kind, or an argv longer than it claims.</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, out BpfProcessRecord record)
    {
        record = default;
        if (data.Length < HeaderBytes)
        {
            return false;
        }

        var kind = (BpfRecordKind)U32(data, 0);
        var pid = (int)U32(data, 4);
        var timestamp = U64(data, 8);
        var ppid = (int)U32(data, 16);
        var exitCode = U32(data, 20);
        switch (kind)
        {
            case BpfRecordKind.Exit:
                record = new BpfProcessRecord(kind, pid, timestamp, ppid, exitCode, 0, null);
                return true;
            case BpfRecordKind.Fork when data.Length >= ForkBytes:
                record = new BpfProcessRecord(kind, pid, timestamp, ppid, 0, U64(data, 24), null);
                return true;
            case BpfRecordKind.Exec when data.Length >= ExecFixedBytes:
                return TryParseExec(data, pid, timestamp, ppid, out record);
            default:
                return false;
        }
    }

    private static bool TryParseExec(ReadOnlySpan<byte> data, int pid, ulong timestamp, int ppid, out BpfProcessRecord record)
    {
        record = default;
        var argsSize = U32(data, 112);
        var argsCopied = U32(data, 116);
        if (argsCopied > ArgsMax || argsCopied > argsSize || data.Length < ExecFixedBytes + (int)argsCopied)
        {
            return false;
        }

        var namespaces = new uint[NamespaceCount];
        for (var i = 0; i < NamespaceCount; i++)
        {
            namespaces[i] = U32(data, 80 + (4 * i));
        }

        var filename = CString(data.Slice(FilenameOffset, FilenameBytes));
        var stdinKnown = StdinInode.TryClassify(U32(data, 148), U32(data, 144), U64(data, 136), out var stdin);
        var exec = new KernelExec
        {
            CapEffective = U64(data, 32),
            CgroupId = U64(data, 40),
            Uid = U32(data, 48),
            EffectiveUid = U32(data, 52),
            Gid = U32(data, 56),
            EffectiveGid = U32(data, 60),
            LoginUid = U32(data, 64),
            Session = (int)U32(data, 68),
            TtyNr = (int)U32(data, 72),
            TracerPid = (int)U32(data, 76),
            Namespaces = namespaces,
            Comm = CString(data.Slice(CommOffset, CommBytes)),
            Filename = filename.Length == 0 ? null : filename,
            Args = ProcCmdlineParser.Parse(data.Slice(ExecFixedBytes, (int)argsCopied)),
            ExecutableInode = U64(data, 120),
            ExecutableDevice = U32(data, 128),
            FdCount = U32(data, 132) is var fds && fds != uint.MaxValue ? (int)fds : null,
            Stdin = stdin,
            StdinKnown = stdinKnown,
            ArgsComplete = argsCopied == argsSize,
        };
        record = new BpfProcessRecord(BpfRecordKind.Exec, pid, timestamp, ppid, 0, U64(data, 24), exec);
        return true;
    }

    private static uint U32(ReadOnlySpan<byte> data, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(data[offset..]);

    private static ulong U64(ReadOnlySpan<byte> data, int offset) => BinaryPrimitives.ReadUInt64LittleEndian(data[offset..]);

    private static string CString(ReadOnlySpan<byte> bytes)
    {
        var end = bytes.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? bytes : bytes[..end]);
    }
}
