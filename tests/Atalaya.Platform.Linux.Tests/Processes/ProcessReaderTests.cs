using Atalaya.Platform.Linux.Processes;
using Atalaya.TestKit;

namespace Atalaya.Platform.Linux.Tests.Processes;

/// <summary>On the real kernel; needs no root except where noted.</summary>
public sealed class ProcessReaderTests
{
    [Fact]
    public void Reads_a_spawned_process()
    {
        using var dir = new TempDirectory();
        using var sleeper = SpawnedProcess.Start("/usr/bin/sleep", ["30"], workingDirectory: dir.Path);
        var reader = new ProcessReader();

        Assert.True(reader.TryRead(sleeper.Pid, out var record, out var status));
        Assert.Equal(ProcReadStatus.Ok, status);
        Assert.NotNull(record);
        Assert.Equal(sleeper.Pid, record.Pid);
        Assert.Equal("sleep", record.Stat.Comm);
        Assert.Equal(Environment.ProcessId, record.Stat.Ppid);
        Assert.Equal("sleep", record.Status!.Name);
        Assert.Equal(["/usr/bin/sleep", "30"], record.Args);
        Assert.Equal("/usr/bin/sleep", record.Executable);
        Assert.Equal(dir.Path, record.WorkingDirectory);
        Assert.False(record.ExecutableDeleted);
        Assert.False(record.Partial);
    }

    [Fact]
    public async Task Reads_the_login_uid_a_process_set_for_its_session()
    {
        // A root process with an unset loginuid may set it once (what pam_loginuid does at login);
        // the exec'd sleep inherits it. Without root the write fails and the inherited value stays.
        using var sleeper = SpawnedProcess.Start("/bin/sh", ["-c", "echo 4242 > /proc/self/loginuid 2>/dev/null; exec /usr/bin/sleep 30"]);
        var reader = new ProcessReader();
        var expected = uint.Parse(File.ReadAllText("/proc/self/loginuid").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        if (Environment.IsPrivilegedProcess && expected == uint.MaxValue)
        {
            expected = 4242;
        }

        await Eventually.WaitForAsync(() => reader.TryReadExecutable(sleeper.Pid, out var e, out _) == ProcReadStatus.Ok ? e : null, e => e == "/usr/bin/sleep");
        Assert.Equal(ProcReadStatus.Ok, reader.TryReadLoginUid(sleeper.Pid, out var loginUid));
        Assert.Equal(expected, loginUid);
        Assert.Equal(ProcReadStatus.Gone, reader.TryReadLoginUid(int.MaxValue, out _));
    }

    [Theory]
    [InlineData("0", true, 0u)]
    [InlineData("4294967295", true, 4294967295u)]
    [InlineData("1000\n", true, 1000u)]
    [InlineData("", false, 0u)]
    [InlineData("-1", false, 0u)]
    [InlineData("4294967296", false, 0u)]
    [InlineData("12a", false, 0u)]
    public void Parses_loginuid_text(string text, bool ok, uint value)
    {
        Assert.Equal(ok, ProcessReader.TryParseLoginUid(text, out var parsed));
        Assert.Equal(value, parsed);
    }

    [Fact]
    public void Reads_kthreadd_as_a_kernel_thread_without_executable()
    {
        var reader = new ProcessReader();
        Assert.True(reader.TryRead(2, out var record, out _));
        Assert.True(record!.Stat.IsKernelThread);
        Assert.Equal("kthreadd", record.Stat.Comm);
        Assert.Empty(record.Args);
        Assert.Null(record.Executable);
        Assert.Null(record.WorkingDirectory);
        Assert.False(record.Partial);
    }

    [Fact]
    public void A_pid_that_does_not_exist_is_gone_not_an_exception()
    {
        var reader = new ProcessReader();
        Assert.False(reader.TryRead(int.MaxValue, out var record, out var status));
        Assert.Null(record);
        Assert.Equal(ProcReadStatus.Gone, status);
        Assert.Equal(ProcReadStatus.Gone, reader.TryReadExecutable(int.MaxValue, out var exe, out _));
        Assert.Null(exe);
    }

    [Fact]
    public void An_exited_process_is_gone()
    {
        int pid;
        using (var sleeper = SpawnedProcess.Start("/usr/bin/sleep", ["30"]))
        {
            pid = sleeper.Pid;
        }

        // Disposed = killed and reaped; the pid could only be reused by a new process, whose read is then valid.
        var reader = new ProcessReader();
        if (reader.TryRead(pid, out var record, out var status))
        {
            Assert.NotEqual(["/usr/bin/sleep", "30"], record!.Args);
        }
        else
        {
            Assert.Equal(ProcReadStatus.Gone, status);
        }
    }

    [Fact]
    public async Task A_deleted_executable_is_stripped_and_flagged()
    {
        using var dir = new TempDirectory();
        var copy = dir.Combine("sleep (copy)");
        File.Copy("/usr/bin/sleep", copy);
        File.SetUnixFileMode(copy, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        using var sleeper = SpawnedProcess.Start(copy, ["30"]);
        var reader = new ProcessReader();
        await Eventually.WaitForAsync(() => reader.TryReadExecutable(sleeper.Pid, out var e, out _) == ProcReadStatus.Ok ? e : null, e => e == copy);

        File.Delete(copy);

        Assert.Equal(ProcReadStatus.Ok, reader.TryReadExecutable(sleeper.Pid, out var exe, out var deleted));
        Assert.Equal(copy, exe);
        Assert.True(deleted);
    }

    [Fact]
    public async Task A_live_file_really_named_deleted_is_not_flagged()
    {
        using var dir = new TempDirectory();
        var copy = dir.Combine("sleep (deleted)");
        File.Copy("/usr/bin/sleep", copy);
        File.SetUnixFileMode(copy, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        using var sleeper = SpawnedProcess.Start(copy, ["30"]);
        var reader = new ProcessReader();
        var exe = await Eventually.WaitForAsync(() => reader.TryReadExecutable(sleeper.Pid, out var e, out _) == ProcReadStatus.Ok ? e : null, e => e == copy);

        Assert.Equal(copy, exe);
        reader.TryReadExecutable(sleeper.Pid, out _, out var deleted);
        Assert.False(deleted);
    }

    [Fact]
    public async Task Counts_open_files_of_a_spawned_process_like_listing_its_fd_directory()
    {
        using var sleeper = SpawnedProcess.Start("/usr/bin/sleep", ["30"]);
        var reader = new ProcessReader();

        // Between fork and exec the child still holds the test host's inheritable fds; once it runs
        // sleep they do not move: wait for the exec, then the statx count and the listing agree.
        var image = await Eventually.WaitForAsync(() => File.ResolveLinkTarget(reader.PathOf(sleeper.Pid, "exe"), false)?.FullName,
            exe => exe == "/usr/bin/sleep");
        Assert.Equal("/usr/bin/sleep", image);
        var counted = reader.CountOpenFiles(sleeper.Pid);
        var listed = ProcessReader.CountByListing(reader.PathOf(sleeper.Pid, "fd"));
        Assert.NotNull(counted);
        Assert.True(counted >= 3);
        Assert.Equal(listed, counted);
        Assert.Null(reader.CountOpenFiles(int.MaxValue));
    }
}
