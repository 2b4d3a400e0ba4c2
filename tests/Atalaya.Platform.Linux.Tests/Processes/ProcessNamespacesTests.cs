using Atalaya.Core.Pipeline;
using Atalaya.Platform.Linux.Hashing;
using Atalaya.Platform.Linux.Host;
using Atalaya.Platform.Linux.Processes;
using Atalaya.TestKit;

namespace Atalaya.Platform.Linux.Tests.Processes;

/// <summary>
/// Namespaces differing from a reference process's, read with one O_PATH handle and readlinkat, against
/// the plain readlink of each /proc/[pid]/ns link. The reference is this test process, not init: in
/// some sandboxes pid 1's links are unreadable even to root (EACCES), and then the agent reports no
/// namespaces at all (init's are the baseline in production).
/// </summary>
public sealed class ProcessNamespacesTests
{
    [Fact]
    public void A_process_in_the_agents_namespaces_differs_where_readlink_says_so()
    {
        using var sleeper = SpawnedProcess.Start("/usr/bin/sleep", ["30"]);
        var differing = Differing(sleeper.Pid);

        Assert.Equal(Reference(sleeper.Pid), differing ?? []);
        Assert.Null(differing);
    }

    [SkippableFact]
    public async Task A_process_in_new_network_and_uts_namespaces_reports_both()
    {
        Skip.IfNot(Environment.IsPrivilegedProcess, "unshare --net --uts needs root");
        using var sleeper = SpawnedProcess.Start("/usr/bin/unshare", ["--net", "--uts", "/usr/bin/sleep", "30"]);
        await Eventually.WaitForAsync(() => Interop.ReadLink($"/proc/{sleeper.Pid}/exe", out _), exe => exe == "/usr/bin/sleep");

        var differing = Differing(sleeper.Pid);

        Assert.NotNull(differing);
        Assert.Contains("net", differing);
        Assert.Contains("uts", differing);
        Assert.Equal(Reference(sleeper.Pid), differing);
    }

    [SkippableFact]
    public void A_gone_process_has_no_namespaces()
    {
        using var child = SpawnedProcess.Start("/usr/bin/true", []);
        Assert.True(child.WaitForExit(TimeSpan.FromSeconds(10)));
        child.Process.WaitForExit();
        Skip.If(Directory.Exists($"/proc/{child.Pid}"), "the pid was reused already");

        Assert.Null(Differing(child.Pid));
    }

    private static List<string>? Differing(int pid)
    {
        var builder = new ProcessEventBuilder(LinuxHostInfo.Read(), new ExecutableHashCache(), new UserNameResolver(), new GroupNameResolver(),
            new ProcessReader(), 64, new CollectorCounters());
        return ProcessEventBuilder.DifferingNamespaces(pid, "/proc", builder.NamespaceLinksOf(Environment.ProcessId));
    }

    private static List<string> Reference(int pid) =>
        ProcessReader.NamespaceTypes
            .Where(t => Interop.ReadLink($"/proc/self/ns/{t}", out _) is { } init
                && Interop.ReadLink($"/proc/{pid}/ns/{t}", out _) is { } own && own != init)
            .ToList();
}
