using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Files;

namespace Atalaya.Platform.Linux.Tests.Files;

public sealed class FileChangeCoalescerTests
{
    private const long Frequency = 1000; // timestamps in milliseconds
    private static readonly ProcessFields Vim = new() { Pid = 42, Name = "vim", Executable = "/usr/bin/vim.basic" };

    private static FileChangeCoalescer Create(int capacity = 100) =>
        new(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(2), Frequency, capacity);

    private static RawFileChange Raw(string path, FileOperation op, long at, string? oldPath = null, int? pid = 42) =>
        new(path, op, false, at, pid, pid is null ? null : Vim, false, oldPath);

    [Fact]
    public void Editor_save_through_a_temporary_file_is_one_rename_event()
    {
        var coalescer = Create();
        coalescer.Add(Raw("/etc/hosts.swp", FileOperation.Create | FileOperation.Modify, 0));
        coalescer.Add(Raw("/etc/hosts.swp", FileOperation.Modify, 5));
        coalescer.Add(Raw("/etc/hosts.swp", FileOperation.CloseWrite, 6));
        coalescer.Add(Raw("/etc/hosts", FileOperation.MovedTo, 7, oldPath: "/etc/hosts.swp"));

        Assert.Empty(coalescer.Drain(100));
        var change = Assert.Single(coalescer.Drain(300));
        Assert.Equal("/etc/hosts", change.Path);
        Assert.Equal("/etc/hosts.swp", change.OldPath);
        Assert.Equal(4, change.Count);
        Assert.Equal(42, change.WriterPid);
        Assert.Same(Vim, change.Writer);
        Assert.Equal(Describe([EventTypes.Change], FileActions.Renamed), Unpack(change.Classify()));
        Assert.Equal(3, coalescer.Merged);
    }

    [Fact]
    public void Chunked_writes_become_one_modification()
    {
        var coalescer = Create();
        for (var i = 0; i < 50; i++)
        {
            coalescer.Add(Raw("/usr/local/bin/tool", FileOperation.Modify, i));
        }

        coalescer.Add(Raw("/usr/local/bin/tool", FileOperation.CloseWrite, 50));
        var change = Assert.Single(coalescer.Drain(251));
        Assert.Equal(51, change.Count);
        Assert.Equal(Describe([EventTypes.Change], FileActions.Modified), Unpack(change.Classify()));
    }

    [Fact]
    public void Created_then_deleted_inside_the_window_says_both()
    {
        var coalescer = Create();
        coalescer.Add(Raw("/tmp/x", FileOperation.Create, 0));
        coalescer.Add(Raw("/tmp/x", FileOperation.Delete, 10));
        var change = Assert.Single(coalescer.Drain(500));
        Assert.False(change.ExistsAtEnd);
        Assert.Equal(Describe([EventTypes.Creation, EventTypes.Deletion], FileActions.CreatedAndDeleted), Unpack(change.Classify()));
    }

    [Fact]
    public void A_stat_after_the_window_overrides_merged_bits()
    {
        var coalescer = Create();
        coalescer.Add(Raw("/etc/passwd", FileOperation.Delete | FileOperation.Create, 0));
        var change = Assert.Single(coalescer.Drain(500));
        Assert.Equal(Describe([EventTypes.Creation], FileActions.Created), Unpack(change.Classify(existsNow: true)));
        Assert.Equal(Describe([EventTypes.Creation, EventTypes.Deletion], FileActions.CreatedAndDeleted), Unpack(change.Classify(existsNow: false)));
    }

    [Fact]
    public void Attribute_change_alone_is_named_so()
    {
        var coalescer = Create();
        coalescer.Add(Raw("/etc/shadow", FileOperation.Attrib, 0, pid: null));
        var change = Assert.Single(coalescer.Drain(500));
        Assert.Null(change.WriterPid);
        Assert.Equal(Describe([EventTypes.Change], FileActions.AttributesChanged), Unpack(change.Classify()));
    }

    [Fact]
    public void Continuous_writes_are_still_reported_after_the_maximum_delay()
    {
        var coalescer = Create();
        var reported = new List<CoalescedFileChange>();
        for (long t = 0; t <= 2500; t += 100)
        {
            coalescer.Add(Raw("/var/tmp/log", FileOperation.Modify, t));
            reported.AddRange(coalescer.Drain(t));
        }

        var first = Assert.Single(reported);
        Assert.Equal(21, first.Count);
    }

    [Fact]
    public void Full_table_flushes_the_oldest_path_early_instead_of_losing_it()
    {
        var coalescer = Create(capacity: 2);
        coalescer.Add(Raw("/tmp/a", FileOperation.Create, 0));
        coalescer.Add(Raw("/tmp/b", FileOperation.Create, 1));
        coalescer.Add(Raw("/tmp/c", FileOperation.Create, 2));
        Assert.Equal(1, coalescer.ForcedFlushes);
        var early = Assert.Single(coalescer.Drain(3));
        Assert.Equal("/tmp/a", early.Path);
        Assert.Equal(["/tmp/b", "/tmp/c"], coalescer.Drain(3, all: true).Select(c => c.Path).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Chmod_by_another_process_does_not_hide_the_writer()
    {
        var coalescer = Create();
        coalescer.Add(Raw("/tmp/x", FileOperation.Create | FileOperation.CloseWrite, 0));
        coalescer.Add(new RawFileChange("/tmp/x", FileOperation.Attrib, false, 1, 77, new ProcessFields { Pid = 77, Name = "chmod" }, false));
        var change = Assert.Single(coalescer.Drain(500));
        Assert.Equal(42, change.WriterPid);
        Assert.Same(Vim, change.Writer);
    }

    [Fact]
    public void Writer_of_the_latest_change_wins_over_an_unknown_one()
    {
        var coalescer = Create();
        coalescer.Add(Raw("/etc/cron.d/job", FileOperation.Create, 0));
        coalescer.Add(Raw("/etc/cron.d/job", FileOperation.Modify, 1, pid: null));
        var change = Assert.Single(coalescer.Drain(500));
        Assert.Equal(42, change.WriterPid);
        Assert.Equal(Describe([EventTypes.Creation], FileActions.Created), Unpack(change.Classify()));
    }

    private static string Unpack((IReadOnlyList<string> Types, string Action) value) => Describe(value.Types, value.Action);

    private static string Describe(IReadOnlyList<string> types, string action) => string.Join(',', types) + " " + action;
}
