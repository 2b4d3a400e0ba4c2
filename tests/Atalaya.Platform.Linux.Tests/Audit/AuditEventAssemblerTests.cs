using System.Diagnostics;
using Atalaya.Platform.Linux.Audit;

namespace Atalaya.Platform.Linux.Tests.Audit;

public sealed class AuditEventAssemblerTests
{
    [Fact]
    public void Records_group_by_serial_and_close_at_eoe()
    {
        // The network capture holds seven syscall events, each ended by its EOE.
        var events = AuditFixtures.Events("net-connect-accept.txt");
        Assert.Equal([22UL, 24, 25, 26, 27, 28, 29, 30], events.Select(e => e.Serial));
        Assert.All(events, e => Assert.True(e.Complete));
        Assert.All(events, e => Assert.All(e.Records, r => Assert.Equal(e.Serial, r.Serial)));
        Assert.Equal([AuditMessageType.Syscall, AuditMessageType.Sockaddr, AuditMessageType.Proctitle], events[2].Records.Select(r => r.Type));
    }

    [Fact]
    public void Interleaved_events_stay_apart()
    {
        var assembler = new AuditEventAssembler(TimeSpan.FromSeconds(1));
        var done = new List<AuditEvent>();
        assembler.Add(Record(AuditMessageType.Syscall, 1), 0, done);
        assembler.Add(Record(AuditMessageType.Syscall, 2), 0, done);
        assembler.Add(Record(AuditMessageType.Cwd, 1), 0, done);
        assembler.Add(Record(AuditMessageType.Eoe, 2), 0, done);
        assembler.Add(Record(AuditMessageType.Eoe, 1), 0, done);
        Assert.Equal([2UL, 1UL], done.Select(e => e.Serial));
        Assert.Single(done[0].Records);
        Assert.Equal(2, done[1].Records.Count);
        Assert.Equal(0, assembler.PendingCount);
    }

    [Fact]
    public void Events_without_eoe_flush_after_the_timeout_only()
    {
        var assembler = new AuditEventAssembler(TimeSpan.FromSeconds(1));
        var done = new List<AuditEvent>();
        assembler.Add(Record(AuditMessageType.ConfigChange, 5), 0, done);
        assembler.FlushExpired(Stopwatch.Frequency / 2, done);
        Assert.Empty(done);
        assembler.FlushExpired(Stopwatch.Frequency, done);
        var flushed = Assert.Single(done);
        Assert.False(flushed.Complete);
        Assert.Equal(1, assembler.FlushedIncomplete);

        // A late EOE for a flushed event is ignored, not a new empty event.
        assembler.Add(Record(AuditMessageType.Eoe, 5), Stopwatch.Frequency, done);
        Assert.Single(done);
    }

    [Fact]
    public void Capacity_evicts_the_oldest_open_event()
    {
        var assembler = new AuditEventAssembler(TimeSpan.FromSeconds(1), maxPending: 2);
        var done = new List<AuditEvent>();
        assembler.Add(Record(AuditMessageType.Syscall, 1), 0, done);
        assembler.Add(Record(AuditMessageType.Syscall, 2), 0, done);
        assembler.Add(Record(AuditMessageType.Syscall, 3), 0, done);
        Assert.Equal(1UL, Assert.Single(done).Serial);
        Assert.Equal(1, assembler.Evicted);
        Assert.Equal(2, assembler.PendingCount);
        assembler.FlushAll(done);
        Assert.Equal([1UL, 2UL, 3UL], done.Select(e => e.Serial));
    }

    private static AuditRecord Record(int type, ulong serial) =>
        new() { Type = type, Seconds = 1, Milliseconds = 0, Serial = serial, Fields = [] };
}
