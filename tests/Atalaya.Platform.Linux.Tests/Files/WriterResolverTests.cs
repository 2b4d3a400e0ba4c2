using Atalaya.Platform.Linux.Files;
using Atalaya.TestKit;

namespace Atalaya.Platform.Linux.Tests.Files;

/// <summary>The writer of a file event, read from the real /proc, with a clock the test moves.</summary>
public sealed class WriterResolverTests
{
    /// <summary>Timestamps the test advances by hand (the resolver measures its cache windows with them).</summary>
    private sealed class ManualTimestamps : TimeProvider
    {
        private long _ticks = 1_000_000;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }

    private static string? Comm(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").TrimEnd('\n');
        }
        catch (IOException)
        {
            return null;
        }
    }

    [Fact]
    public async Task A_writer_that_exited_keeps_the_name_it_ran_under_for_a_while_then_only_its_pid()
    {
        var clock = new ManualTimestamps();
        var writers = new WriterResolver("/proc", host: null, users: null, clock);
        int pid;
        using (var child = SpawnedProcess.Start("/bin/sleep", ["60"]))
        {
            pid = child.Pid;
            // Between fork and exec the child still carries the test host's name.
            Assert.Equal("sleep", await Eventually.WaitForAsync(() => Comm(pid), comm => comm == "sleep"));

            var running = writers.Resolve(pid, out var runningPartial);
            Assert.Equal(("sleep", "/usr/bin/sleep", false), (running.Name, running.Executable, runningPartial));
            child.Kill();
        }

        Assert.False(Directory.Exists($"/proc/{pid}"), "the child was reaped");

        // Past the one-second cache: read again, gone, named from the earlier read and marked partial.
        clock.Advance(TimeSpan.FromSeconds(2));
        var exited = writers.Resolve(pid, out var exitedPartial);
        Assert.Equal((pid, "sleep", "/usr/bin/sleep", true), (exited.Pid, exited.Name, exited.Executable, exitedPartial));
        Assert.Equal((1L, 0L), (writers.GoneNamedFromEarlier, writers.Gone));

        // Thirty seconds after it was last seen running, the pid alone.
        clock.Advance(TimeSpan.FromSeconds(30));
        var forgotten = writers.Resolve(pid, out var forgottenPartial);
        Assert.Equal((pid, null, null, true), (forgotten.Pid, forgotten.Name, forgotten.Executable, forgottenPartial));
        Assert.Equal((1L, 1L), (writers.GoneNamedFromEarlier, writers.Gone));
    }

    [Fact]
    public void A_writer_gone_before_its_first_read_is_its_pid_only()
    {
        var writers = new WriterResolver("/proc", host: null, users: null, new ManualTimestamps());
        int pid;
        using (var child = SpawnedProcess.Start("/bin/true", []))
        {
            pid = child.Pid;
            Assert.True(child.WaitForExit(TimeSpan.FromSeconds(30)));
        }

        var gone = writers.Resolve(pid, out var partial);
        Assert.Equal((pid, null, true), (gone.Pid, gone.Name, partial));
        Assert.Equal((0L, 1L), (writers.GoneNamedFromEarlier, writers.Gone));
    }
}
