using System.Buffers.Binary;
using Atalaya.Platform.Linux.Files;

namespace Atalaya.Platform.Linux.Tests.Files;

/// <summary>
/// Bytes captured from a real fanotify descriptor (kernel 6.18, ext4, FAN_REPORT_DFID_NAME, filesystem
/// mark) while a shell ran: echo hi > a.txt; mv a.txt b.txt; chmod 600 b.txt; rm b.txt; mkdir d; rmdir d.
/// The first event is the capturing program's own stdout being written.
/// </summary>
public sealed class FanotifyEventParserTests
{
    private const ulong Fsid = 0xb359e992ed869a4e;
    private static readonly byte[] WatchedDirectoryHandle = [0x89, 0x05, 0xb2, 0x00, 0x0f, 0xbb, 0xca, 0x65];

    private static byte[] Captured => Fixture.Bytes("fanotify", "create-rename-attrib-delete-mkdir.bin");

    [Fact]
    public void Parses_every_event_of_a_real_capture()
    {
        var records = new List<FanotifyRecord>();
        var malformed = FanotifyEventParser.Parse(Captured, records);

        Assert.Equal(0, malformed);
        Assert.Equal(9, records.Count);
        Assert.All(records, r => Assert.Equal(-1, r.Fd));
        Assert.All(records, r => Assert.Equal(Fsid, r.Directory!.Fsid));
        Assert.All(records, r => Assert.Equal(1, r.Directory!.HandleType));

        var (stdout, create, rename, movedFrom, movedTo, attrib, delete, mkdir, rmdir) =
            (records[0], records[1], records[2], records[3], records[4], records[5], records[6], records[7], records[8]);
        Assert.Equal(FanotifyMask.Modify, stdout.Mask);
        Assert.Equal("stdout", stdout.Name);
        Assert.Equal(0x70a8, stdout.Pid);

        Assert.Equal(FanotifyMask.Create | FanotifyMask.Modify | FanotifyMask.CloseWrite, create.Mask);
        Assert.Equal("a.txt", create.Name);
        Assert.Equal(0x70a9, create.Pid);
        Assert.Equal(WatchedDirectoryHandle, create.Directory!.Handle);
        Assert.Null(create.OldDirectory);

        Assert.Equal(FanotifyMask.Rename, rename.Mask);
        Assert.Equal(0x70aa, rename.Pid);
        Assert.Equal("b.txt", rename.Name);
        Assert.Equal("a.txt", rename.OldName);
        Assert.Equal(WatchedDirectoryHandle, rename.OldDirectory!.Handle);
        Assert.Equal(rename.Directory!.Key, rename.OldDirectory.Key);

        Assert.Equal((FanotifyMask.MovedFrom, "a.txt", 0x70aa), (movedFrom.Mask, movedFrom.Name, movedFrom.Pid));
        Assert.Equal((FanotifyMask.MovedTo, "b.txt", 0x70aa), (movedTo.Mask, movedTo.Name, movedTo.Pid));
        Assert.Equal((FanotifyMask.Attrib, "b.txt", 0x70ab), (attrib.Mask, attrib.Name, attrib.Pid));
        Assert.Equal((FanotifyMask.Delete, "b.txt", 0x70ac), (delete.Mask, delete.Name, delete.Pid));
        Assert.Equal((FanotifyMask.Create | FanotifyMask.OnDirectory, "d", 0x70ad), (mkdir.Mask, mkdir.Name, mkdir.Pid));
        Assert.True(mkdir.IsDirectory);
        Assert.Equal((FanotifyMask.Delete | FanotifyMask.OnDirectory, "d", 0x70ae), (rmdir.Mask, rmdir.Name, rmdir.Pid));
        Assert.All(records, r => Assert.False(r.IsOverflow));
    }

    /// <summary>
    /// Captured the same way with FAN_REPORT_FID | FAN_REPORT_TARGET_FID added (Linux 5.17+): mkdir d, then
    /// creat d/a. Each event also carries the fid of its object; the mkdir's is the new directory's handle,
    /// the very handle the next event names its directory by.
    /// </summary>
    private static readonly byte[] TargetFidCapture = Convert.FromHexString(
        "54000000030018000001004000000000ffffffff3b480000020020004e9a86ed92e959b308000000010000001641b20055d518cd6400000001001c004e9a86ed92e959b308000000010000002441b2004f67c002"
        + "54000000030018000801000000000000ffffffff3b480000020020004e9a86ed92e959b308000000010000002441b2004f67c0026100000001001c004e9a86ed92e959b308000000010000002741b200d21c04d4");

    [Fact]
    public void Target_fid_of_a_new_directory_is_the_handle_its_contents_are_named_by()
    {
        var records = new List<FanotifyRecord>();
        Assert.Equal(0, FanotifyEventParser.Parse(TargetFidCapture, records));
        Assert.Equal(2, records.Count);
        var (mkdir, create) = (records[0], records[1]);

        Assert.Equal(FanotifyMask.Create | FanotifyMask.OnDirectory, mkdir.Mask);
        Assert.Equal("d", mkdir.Name);
        Assert.NotNull(mkdir.Target);
        Assert.Equal(Fsid, mkdir.Target.Fsid);
        Assert.Equal(1, mkdir.Target.HandleType);
        Assert.NotEqual(mkdir.Directory!.Key, mkdir.Target.Key);

        Assert.Equal(FanotifyMask.Create | FanotifyMask.CloseWrite, create.Mask);
        Assert.Equal("a", create.Name);
        Assert.Equal(mkdir.Target.Key, create.Directory!.Key);
        Assert.NotNull(create.Target);
        Assert.NotEqual(create.Directory.Key, create.Target.Key);
    }

    [Fact]
    public void Without_fid_reporting_there_is_no_target()
    {
        var records = new List<FanotifyRecord>();
        FanotifyEventParser.Parse(Captured, records);
        Assert.All(records, r => Assert.Null(r.Target));
    }

    [Fact]
    public void Broken_target_fid_skips_only_its_event()
    {
        var bytes = TargetFidCapture.ToArray();
        // First event: metadata 24, DFID_NAME record 32, then the FID record's header, fsid, handle_bytes at 24+32+4+8.
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(24 + 32 + 4 + 8), 200);
        var records = new List<FanotifyRecord>();
        Assert.Equal(1, FanotifyEventParser.Parse(bytes, records));
        Assert.Equal("a", Assert.Single(records).Name);
    }

    [Fact]
    public void Queue_overflow_is_a_bare_metadata_record()
    {
        var records = new List<FanotifyRecord>();
        Assert.Equal(0, FanotifyEventParser.Parse(Fixture.Bytes("fanotify", "queue-overflow.bin"), records));
        var overflow = Assert.Single(records);
        Assert.True(overflow.IsOverflow);
        Assert.Equal((0, -1), (overflow.Pid, overflow.Fd));
        Assert.Null(overflow.Directory);
        Assert.Null(overflow.Name);
    }

    [Fact]
    public void File_handle_struct_round_trips_for_open_by_handle_at()
    {
        var records = new List<FanotifyRecord>();
        FanotifyEventParser.Parse(Captured, records);
        var handle = records[1].Directory!.ToFileHandleStruct();
        Assert.Equal(8u, BinaryPrimitives.ReadUInt32LittleEndian(handle));
        Assert.Equal(1, BinaryPrimitives.ReadInt32LittleEndian(handle.AsSpan(4)));
        Assert.Equal(WatchedDirectoryHandle, handle[8..]);
    }

    [Theory]
    [InlineData(59)] // cut inside the first event's name
    [InlineData(30)] // cut inside the first info header
    [InlineData(10)] // shorter than a metadata header
    public void Truncated_buffer_keeps_whole_events_and_counts_the_rest(int length)
    {
        var records = new List<FanotifyRecord>();
        var malformed = FanotifyEventParser.Parse(Captured.AsSpan(0, length), records);
        Assert.Empty(records);
        Assert.Equal(1, malformed);
    }

    [Fact]
    public void Buffer_cut_after_two_events_yields_two()
    {
        var records = new List<FanotifyRecord>();
        var malformed = FanotifyEventParser.Parse(Captured.AsSpan(0, 0x78 + 5), records);
        Assert.Equal(2, records.Count);
        Assert.Equal(1, malformed);
    }

    [Fact]
    public void Event_length_beyond_the_buffer_stops_the_parse()
    {
        var bytes = Captured;
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, 100_000);
        var records = new List<FanotifyRecord>();
        Assert.Equal(1, FanotifyEventParser.Parse(bytes, records));
        Assert.Empty(records);
    }

    [Fact]
    public void Wrong_version_stops_the_parse()
    {
        var bytes = Captured;
        bytes[4] = 2;
        var records = new List<FanotifyRecord>();
        Assert.Equal(1, FanotifyEventParser.Parse(bytes, records));
        Assert.Empty(records);
    }

    [Fact]
    public void Broken_info_record_skips_only_its_event()
    {
        var bytes = Captured;
        // First event's info header length (at 24+2) set below the header size.
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(26), 2);
        var records = new List<FanotifyRecord>();
        Assert.Equal(1, FanotifyEventParser.Parse(bytes, records));
        Assert.Equal(8, records.Count);
        Assert.Equal("a.txt", records[0].Name);
    }

    [Fact]
    public void Handle_longer_than_its_record_is_malformed()
    {
        var bytes = Captured;
        // First event: metadata 24, info header 4, fsid 8, then handle_bytes.
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(36), 64);
        var records = new List<FanotifyRecord>();
        Assert.Equal(1, FanotifyEventParser.Parse(bytes, records));
        Assert.Equal(8, records.Count);
    }

    [Fact]
    public void Name_without_terminator_is_malformed()
    {
        var bytes = Captured;
        // First event's name "stdout\0\0" occupies 0x34..0x3b: overwrite the padding NULs.
        bytes.AsSpan(0x34, 8).Fill((byte)'x');
        var records = new List<FanotifyRecord>();
        Assert.Equal(1, FanotifyEventParser.Parse(bytes, records));
        Assert.Equal(8, records.Count);
    }

    [Fact]
    public void Name_with_a_newline_is_kept_verbatim()
    {
        var bytes = Captured;
        bytes[0x34 + 3] = (byte)'\n';
        var records = new List<FanotifyRecord>();
        Assert.Equal(0, FanotifyEventParser.Parse(bytes, records));
        Assert.Equal("std\nut", records[0].Name);
    }
}
