using System.Buffers.Binary;
using System.Text;
using Atalaya.Platform.Linux.Processes;

namespace Atalaya.Platform.Linux.Tests.Processes;

/// <summary>
/// The record layout of Bpf/process_events.bpf.c, written byte by byte as the program writes it, and
/// records that do not hold together (short, lying about their argv, unknown kinds) refused.
/// </summary>
public sealed class BpfProcessRecordParserTests
{
    private static byte[] Header(uint kind, int length, uint pid = 4242, ulong timestamp = 123_456_789, uint ppid = 17, uint exitCode = 0)
    {
        var record = new byte[length];
        BinaryPrimitives.WriteUInt32LittleEndian(record, kind);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(4), pid);
        BinaryPrimitives.WriteUInt64LittleEndian(record.AsSpan(8), timestamp);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(16), ppid);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(20), exitCode);
        return record;
    }

    private static byte[] Exec(byte[] argv, uint argsSize)
    {
        var record = Header(2, BpfProcessRecordParser.ExecFixedBytes + argv.Length);
        var span = record.AsSpan();
        BinaryPrimitives.WriteUInt64LittleEndian(span[24..], 987_650_000_000);
        BinaryPrimitives.WriteUInt64LittleEndian(span[32..], 0x1ffffffffff);
        BinaryPrimitives.WriteUInt64LittleEndian(span[40..], 7777);
        BinaryPrimitives.WriteUInt32LittleEndian(span[48..], 1000);
        BinaryPrimitives.WriteUInt32LittleEndian(span[52..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(span[56..], 1001);
        BinaryPrimitives.WriteUInt32LittleEndian(span[60..], 1002);
        BinaryPrimitives.WriteUInt32LittleEndian(span[64..], uint.MaxValue);
        BinaryPrimitives.WriteUInt32LittleEndian(span[68..], 4000);
        BinaryPrimitives.WriteUInt32LittleEndian(span[72..], 34816);
        BinaryPrimitives.WriteUInt32LittleEndian(span[76..], 99);
        for (var i = 0; i < 8; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(span[(80 + (4 * i))..], 4026531830u + (uint)i);
        }

        BinaryPrimitives.WriteUInt32LittleEndian(span[112..], argsSize);
        BinaryPrimitives.WriteUInt32LittleEndian(span[116..], (uint)argv.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(span[120..], 131_072);
        BinaryPrimitives.WriteUInt32LittleEndian(span[128..], (8u << 20) | 1);
        BinaryPrimitives.WriteUInt32LittleEndian(span[132..], 5);
        BinaryPrimitives.WriteUInt64LittleEndian(span[136..], 0x50495045);
        BinaryPrimitives.WriteUInt32LittleEndian(span[144..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(span[148..], 0x1180);
        Encoding.ASCII.GetBytes("bash").CopyTo(span[152..]);
        Encoding.ASCII.GetBytes("/bin/bash").CopyTo(span[168..]);
        argv.CopyTo(span[BpfProcessRecordParser.ExecFixedBytes..]);
        return record;
    }

    [Fact]
    public void A_fork_record_gives_the_child_its_parent_and_its_start()
    {
        var record = Header(1, BpfProcessRecordParser.ForkBytes);
        BinaryPrimitives.WriteUInt64LittleEndian(record.AsSpan(24), 5_000_000_000);

        Assert.True(BpfProcessRecordParser.TryParse(record, out var fork));
        Assert.Equal(new BpfProcessRecord(BpfRecordKind.Fork, 4242, 123_456_789, 17, 0, 5_000_000_000, null), fork);
    }

    [Fact]
    public void An_exit_record_carries_the_wait_status()
    {
        Assert.True(BpfProcessRecordParser.TryParse(Header(3, BpfProcessRecordParser.HeaderBytes, exitCode: 0x0900), out var exit));
        Assert.Equal(new BpfProcessRecord(BpfRecordKind.Exit, 4242, 123_456_789, 17, 0x0900, 0, null), exit);
    }

    [Fact]
    public void An_exec_record_gives_every_field_and_hostile_argv_as_proc_would()
    {
        // A newline, an invalid UTF-8 byte and an empty argument in the middle.
        byte[] argv = [.. "/bin/bash\0-c\0a\nb\0"u8, 0xff, 0xfe, 0, 0, .. "end\0"u8];
        Assert.True(BpfProcessRecordParser.TryParse(Exec(argv, (uint)argv.Length), out var record));

        Assert.Equal(BpfRecordKind.Exec, record.Kind);
        Assert.Equal(4242, record.Pid);
        Assert.Equal(17, record.Ppid);
        Assert.Equal(987_650_000_000UL, record.StartBoottimeNs);
        var exec = record.Exec!;
        Assert.Equal(0x1ffffffffffUL, exec.CapEffective);
        Assert.Equal(7777UL, exec.CgroupId);
        Assert.Equal((1000u, 0u, 1001u, 1002u), (exec.Uid, exec.EffectiveUid, exec.Gid, exec.EffectiveGid));
        Assert.Equal(uint.MaxValue, exec.LoginUid);
        Assert.Equal(4000, exec.Session);
        Assert.Equal(34816, exec.TtyNr);
        Assert.Equal(99, exec.TracerPid);
        Assert.Equal(Enumerable.Range(0, 8).Select(i => 4026531830u + (uint)i), exec.Namespaces);
        Assert.Equal("bash", exec.Comm);
        Assert.Equal("/bin/bash", exec.Filename);
        Assert.Equal(["/bin/bash", "-c", "a\nb", "\uFFFD\uFFFD", "", "end"], exec.Args);
        Assert.True(exec.ArgsComplete);
        Assert.Equal(131_072UL, exec.ExecutableIdentity.Inode);
        Assert.Equal(5, exec.FdCount);
        Assert.True(exec.StdinKnown);
        Assert.Equal("pipe", exec.Stdin);
        Assert.True(exec.IsExecutable(new Interop.StatxBuffer { stx_ino = 131_072, stx_dev_major = 8, stx_dev_minor = 1 }));
        Assert.False(exec.IsExecutable(new Interop.StatxBuffer { stx_ino = 131_072, stx_dev_major = 8, stx_dev_minor = 2 }));
    }

    [Theory]
    [InlineData(0u, 0u, 0UL, true, null)]
    [InlineData(0x1180u, 0u, 0x50495045UL, true, "pipe")]
    [InlineData(0x1180u, 0u, 0xEF53UL, true, "file")]
    [InlineData(0xC1FFu, 0u, 0x534F434BUL, true, "socket")]
    [InlineData(0x21B6u, (1u << 20) | 3, 0x1021994UL, true, "null")]
    [InlineData(0x2190u, (136u << 20) | 2, 0x1CD1UL, false, null)]
    [InlineData(0x81A4u, 0u, 0xEF53UL, true, "file")]
    public void Stdin_is_named_from_its_inode_where_the_inode_can_tell(uint mode, uint device, ulong magic, bool known, string? kind)
    {
        // A pipe, a named FIFO, a socket, /dev/null, a pts (its name decides: the /proc link is read) and a regular file.
        Assert.Equal(known, StdinInode.TryClassify(mode, device, magic, out var classified));
        Assert.Equal(kind, classified);
    }

    [Theory]
    [InlineData(new byte[] { 4, (byte)'t', (byte)'r', (byte)'u', (byte)'e', 3, (byte)'b', (byte)'i', (byte)'n', 3, (byte)'u', (byte)'s', (byte)'r' }, "/usr/bin/true")]
    [InlineData(new byte[0], "/")]
    [InlineData(new byte[] { 5, (byte)'a' }, null)]
    [InlineData(new byte[] { 0 }, null)]
    public void A_walked_path_is_its_components_leaf_first(byte[] components, string? path) =>
        Assert.Equal(path, BpfProcessRecordParser.JoinLeafFirst(components));

    [Fact]
    public void An_argv_longer_than_the_record_is_its_beginning_marked_incomplete()
    {
        var argv = "/usr/bin/echo\0AAAA"u8.ToArray();
        Assert.True(BpfProcessRecordParser.TryParse(Exec(argv, 200_000), out var record));
        Assert.False(record.Exec!.ArgsComplete);
        Assert.Equal(["/usr/bin/echo", "AAAA"], record.Exec.Args);
    }

    [Fact]
    public void Records_that_do_not_hold_together_are_refused()
    {
        var valid = Exec("/bin/true\0"u8.ToArray(), 10);
        Assert.True(BpfProcessRecordParser.TryParse(valid, out _));

        Assert.False(BpfProcessRecordParser.TryParse(valid.AsSpan(0, valid.Length - 1), out _), "argv shorter than it claims");
        Assert.False(BpfProcessRecordParser.TryParse(Exec("/bin/true\0"u8.ToArray(), 5), out _), "more copied than the argv's size");
        Assert.False(BpfProcessRecordParser.TryParse(Header(2, BpfProcessRecordParser.ExecFixedBytes - 1), out _), "exec without its fixed part");
        Assert.False(BpfProcessRecordParser.TryParse(Header(1, BpfProcessRecordParser.ForkBytes - 1), out _), "fork without its start");
        Assert.False(BpfProcessRecordParser.TryParse(Header(9, 64), out _), "unknown kind");
        Assert.False(BpfProcessRecordParser.TryParse(new byte[BpfProcessRecordParser.HeaderBytes - 1], out _), "shorter than a header");
        var hugeCopy = Exec([], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(hugeCopy.AsSpan(112), uint.MaxValue);
        BinaryPrimitives.WriteUInt32LittleEndian(hugeCopy.AsSpan(116), uint.MaxValue);
        Assert.False(BpfProcessRecordParser.TryParse(hugeCopy, out _), "a copy larger than the program's buffer");
    }
}
