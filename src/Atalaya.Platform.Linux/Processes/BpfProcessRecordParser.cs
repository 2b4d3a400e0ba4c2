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
    internal const int ExecFixedBytes = 464;
    internal const int ArgsMax = 4096;
    internal const int NamespaceCount = 8;

    private const int CommOffset = 152;
    private const int CommBytes = 16;
    private const int FilenameOffset = 168;
    private const int FilenameBytes = 256;
    private const int PathArea = 2048;
    private const byte PathComplete = 1;
    private const byte PathDeleted = 2;

    /// <summary>
    /// Nanoseconds fit in 30 bits; since 6.13 the kernel keeps a flag in the top bit of i_ctime_nsec
    /// (multigrain timestamps: I_CTIME_QUERIED), which statx never shows.
    /// </summary>
    private const uint NanosecondBits = 0x3fffffff;

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
        var exePathBytes = BinaryPrimitives.ReadUInt16LittleEndian(data[456..]);
        var cwdPathBytes = BinaryPrimitives.ReadUInt16LittleEndian(data[458..]);
        var pathBytes = exePathBytes + cwdPathBytes;
        if (argsCopied > ArgsMax || argsCopied > argsSize || pathBytes > PathArea || data.Length < ExecFixedBytes + pathBytes + (int)argsCopied)
        {
            return false;
        }

        var paths = data.Slice(ExecFixedBytes, pathBytes);
        var exeFlags = data[460];
        var cwdFlags = data[461];
        var executable = (exeFlags & PathComplete) != 0 ? JoinLeafFirst(paths[..exePathBytes]) : null;
        var cwd = (cwdFlags & PathComplete) != 0 ? JoinLeafFirst(paths[exePathBytes..]) : null;
        if (cwd is not null && (cwdFlags & PathDeleted) != 0)
        {
            cwd += " (deleted)";
        }

        var namespaces = new uint[NamespaceCount];
        for (var i = 0; i < NamespaceCount; i++)
        {
            namespaces[i] = U32(data, 80 + (4 * i));
        }

        var filename = ProcConnectorParser.CString(data.Slice(FilenameOffset, FilenameBytes));
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
            Comm = ProcConnectorParser.CString(data.Slice(CommOffset, CommBytes)),
            Filename = filename.Length == 0 ? null : filename,
            Args = ProcCmdlineParser.Parse(data.Slice(ExecFixedBytes + pathBytes, (int)argsCopied)),
            ExecutablePath = executable,
            ExecutableDeleted = (exeFlags & PathDeleted) != 0,
            WorkingDirectory = cwd,
            ExecutableIdentity = Hashing.FileIdentity.FromKernel(U32(data, 128), U64(data, 120), (long)U64(data, 424),
                (long)U64(data, 432), U32(data, 448) & NanosecondBits, (long)U64(data, 440), U32(data, 452) & NanosecondBits),
            FdCount = U32(data, 132) is var fds && fds != uint.MaxValue ? (int)fds : null,
            Stdin = stdin,
            StdinKnown = stdinKnown,
            ArgsComplete = argsCopied == argsSize,
        };
        record = new BpfProcessRecord(BpfRecordKind.Exec, pid, timestamp, ppid, 0, U64(data, 24), exec);
        return true;
    }

    /// <summary>
    /// A path from the program's walk: components leaf first, each a length byte and its bytes; "/" for
    /// none. Null when the bytes do not hold together. Invalid UTF-8 is replaced, as /proc's links are.
    /// </summary>
    internal static string? JoinLeafFirst(ReadOnlySpan<byte> components)
    {
        var parts = new List<string>();
        while (!components.IsEmpty)
        {
            var length = components[0];
            if (length == 0 || components.Length < 1 + length)
            {
                return null;
            }

            parts.Add(Encoding.UTF8.GetString(components.Slice(1, length)));
            components = components[(1 + length)..];
        }

        parts.Reverse();
        return "/" + string.Join('/', parts);
    }

    private static uint U32(ReadOnlySpan<byte> data, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(data[offset..]);

    private static ulong U64(ReadOnlySpan<byte> data, int offset) => BinaryPrimitives.ReadUInt64LittleEndian(data[offset..]);
}
