using Atalaya.Core.Schema;

namespace Atalaya.Core.Analytics;

/// <summary>
/// An interpreter fed its script through a network socket or a pipe rather than a file (T1059):
/// <c>bash -i &gt;&amp; /dev/tcp/host/port</c> reverse shells, <c>curl … | sh</c>. A shell whose standard
/// input is a socket under sshd is an ssh session without a terminal and is not counted; a pipe into an
/// interpreter is also how some installers work, so it is medium weight.
/// </summary>
public sealed class InterpreterInputAnalytic : IAnalytic
{
    public const string AnalyticId = "atalaya.analytic.interpreter-input";

    private static readonly HashSet<string> CodeFromArgumentOptions = new(StringComparer.Ordinal) { "-c", "-e", "-m", "-r", "-E", "--eval", "--command" };

    private readonly ProcessBehaviourCatalog _catalog;
    private readonly SeenOnce _seen = new();

    public InterpreterInputAnalytic(ProcessBehaviourCatalog catalog) => _catalog = catalog;

    public string Id => AnalyticId;

    public string Name => "Interpreter reads its script from the network or a pipe";

    public IReadOnlyCollection<string> Categories { get; } = [EventCategories.Process];

    public void Observe(EcsEvent value, ISignalSink signals)
    {
        if (!ProcessSignals.IsLive(value))
        {
            return;
        }

        var process = value.Process!;
        var program = ProcessSignals.ProgramName(process);
        if (!_catalog.IsInterpreter(program))
        {
            return;
        }

        var commandLine = process.CommandLine ?? string.Empty;
        if ((commandLine.Contains("/dev/tcp/", StringComparison.Ordinal) || commandLine.Contains("/dev/udp/", StringComparison.Ordinal))
            && _seen.First(process, "dev-tcp"))
        {
            signals.Emit(ProcessSignals.Make(this, value, "dev-tcp", 85, 0.9, [Techniques.CommandAndScriptingInterpreter, Techniques.UnixShell],
                $"{program} opens a network connection through /dev/tcp or /dev/udp: {commandLine}"));
            return;
        }

        var stdin = value.Atalaya?.Process?.StdinType;
        if (stdin is not ("socket" or "pipe") || !ReadsScriptFromStdin(process.Args))
        {
            return;
        }

        if (stdin == "socket" && ProcessSignals.ParentProgramName(process) is not ("sshd" or "sshd-session" or "dropbear")
            && _seen.First(process, "socket"))
        {
            signals.Emit(ProcessSignals.Make(this, value, "socket", 80, 0.85, [Techniques.CommandAndScriptingInterpreter],
                $"{program} takes its commands from a network socket on standard input, the shape of a reverse shell"));
        }
        else if (stdin == "pipe" && _seen.First(process, "pipe"))
        {
            signals.Emit(ProcessSignals.Make(this, value, "pipe", 45, 0.7, [Techniques.CommandAndScriptingInterpreter],
                $"{program} runs a script piped into its standard input (as in curl … | sh), which never exists as a file"));
        }
    }

    /// <summary>No script file and no code in the arguments: only options (or "-", "-s"), so the code comes from stdin.</summary>
    private static bool ReadsScriptFromStdin(IReadOnlyList<string>? args)
    {
        if (args is null || args.Count == 0)
        {
            return false;
        }

        for (var i = 1; i < args.Count; i++)
        {
            var arg = args[i];
            if (CodeFromArgumentOptions.Contains(arg) || !arg.StartsWith('-'))
            {
                return false;
            }
        }

        return true;
    }
}
