using Atalaya.Platform.Linux.Host;
using Atalaya.TestKit;

namespace Atalaya.Platform.Linux.Tests.Host;

public sealed class LinuxHostInfoTests
{
    [Fact]
    public void Reads_a_recorded_tree()
    {
        using var root = new TempDirectory();
        root.WriteFile("proc/stat", "cpu  1 2 3\nbtime 1795303124\nprocesses 4650\n");
        root.WriteFile("proc/sys/kernel/random/boot_id", "2c857ca9-f1cd-4de1-a3df-750a1fda328c\n");
        root.WriteFile("proc/sys/kernel/hostname", "vm\n");
        root.WriteFile("proc/sys/kernel/osrelease", "6.18.44-fc-v657\n");
        root.WriteFile("etc/machine-id", "3d1219c7c4c5404aaa1f6d2a48adfda4\n");
        root.WriteFile("etc/os-release", "NAME=\"Ubuntu\"\nVERSION_ID=\"24.04\"\nID=ubuntu\nID_LIKE=debian\n");

        var info = LinuxHostInfo.Read(root.Path);

        Assert.Equal("2c857ca9-f1cd-4de1-a3df-750a1fda328c", info.BootId);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1795303124), info.BootTime);
        Assert.Equal(100, info.ClockTicksPerSecond);
        Assert.Equal("vm", info.Host.Name);
        Assert.Equal("3d1219c7c4c5404aaa1f6d2a48adfda4", info.Host.Id);
        Assert.Equal("linux", info.Host.Os!.Type);
        Assert.Equal("Ubuntu", info.Host.Os.Name);
        Assert.Equal("24.04", info.Host.Os.Version);
        Assert.Equal("debian", info.Host.Os.Family);
        Assert.Equal("6.18.44-fc-v657", info.Host.Os.Kernel);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1795303124).AddMilliseconds(466_530), info.StartTimeOf(46653));
    }

    [Fact]
    public void Missing_files_leave_fields_null_and_fall_back_to_btime()
    {
        using var root = new TempDirectory();
        root.WriteFile("proc/stat", "btime 42\n");
        var info = LinuxHostInfo.Read(root.Path);
        Assert.Equal("btime-42", info.BootId);
        Assert.Null(info.Host.Name);
        Assert.Null(info.Host.Id);
        Assert.Null(info.Host.Os!.Name);
        Assert.Null(info.Host.Os.Kernel);
    }

    [Fact]
    public void Reads_this_host()
    {
        var info = LinuxHostInfo.Read();
        Assert.Equal(File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim(), info.BootId);
        Assert.Equal(100, info.ClockTicksPerSecond);
        Assert.True(info.BootTime < DateTimeOffset.UtcNow);
        Assert.Equal(File.ReadAllText("/proc/sys/kernel/osrelease").Trim(), info.Host.Os!.Kernel);
        Assert.Equal("debian", info.Host.Os.Family);
    }
}
