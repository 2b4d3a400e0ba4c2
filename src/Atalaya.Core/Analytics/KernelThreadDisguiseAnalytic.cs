using Atalaya.Core.Schema;

namespace Atalaya.Core.Analytics;

/// <summary>
/// A user-space program dressed as a kernel thread (T1036.004): ps shows kernel threads as
/// <c>[kworker/0:1]</c>, so miners and backdoors set argv[0] (or their comm) to such a name. A real
/// kernel thread has no executable; anything with one that carries the name is lying.
/// </summary>
public sealed class KernelThreadDisguiseAnalytic : IAnalytic
{
    public const string AnalyticId = "atalaya.analytic.kernel-thread-disguise";

    private static readonly string[] KernelThreadPrefixes =
    [
        "kworker/", "ksoftirqd/", "kthreadd", "migration/", "rcu_", "watchdog/", "kswapd", "jbd2/", "irq/",
        "khugepaged", "kcompactd", "kdevtmpfs", "cpuhp/", "idle_inject/", "oom_reaper", "kblockd", "ksmd",
        "scsi_eh_", "kauditd", "kintegrityd", "writeback", "netns", "kthrotld", "ecryptfs-kthread",
    ];

    private readonly SeenOnce _seen = new();

    public string Id => AnalyticId;

    public string Name => "Program disguised as a kernel thread";

    public IReadOnlyCollection<string> Categories { get; } = [EventCategories.Process];

    public void Observe(EcsEvent value, ISignalSink signals)
    {
        if (!ProcessSignals.IsLive(value) || value.Process!.Executable is not { Length: > 0 } executable)
        {
            return;
        }

        var process = value.Process;
        var argv0 = process.Args is { Count: > 0 } args ? args[0] : null;

        // coreutils' "[" (test) is a real program whose argv[0] is "[".
        if (argv0 is { Length: >= 3 } && argv0[0] == '[' && argv0[^1] == ']' && _seen.First(process, "argv0"))
        {
            signals.Emit(ProcessSignals.Make(this, value, "argv0", 80, 0.9, [Techniques.MasqueradeTaskOrService],
                $"{executable} shows itself as {argv0} in ps, the way kernel threads are listed; a kernel thread has no executable"));
            return;
        }

        if (process.Name is { Length: > 0 } comm && LooksLikeKernelThread(comm)
            && !string.Equals(comm, PathClassifier.FileName(executable), StringComparison.Ordinal) && _seen.First(process, "comm"))
        {
            signals.Emit(ProcessSignals.Make(this, value, "comm", 75, 0.85, [Techniques.MasqueradeTaskOrService],
                $"{executable} renamed itself {comm}, a kernel thread's name"));
        }
    }

    private static bool LooksLikeKernelThread(string name)
    {
        var bare = name.Length >= 3 && name[0] == '[' && name[^1] == ']' ? name[1..^1] : name;
        return bare.Length != name.Length || KernelThreadPrefixes.Any(p => bare.StartsWith(p, StringComparison.Ordinal));
    }
}
