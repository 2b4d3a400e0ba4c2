using Atalaya.Core.Schema;

namespace Atalaya.Core.Analytics;

/// <summary>
/// A Unix shell whose parent is a network-facing service (web server, database, mail, FTP: the catalog),
/// T1059.004: the shape of a web shell or a command injection. Some services do run shells on purpose
/// (CGI scripts, PostgreSQL's archive_command), hence a confidence below certainty.
/// </summary>
public sealed class ServiceShellAnalytic : IAnalytic
{
    public const string AnalyticId = "atalaya.analytic.service-shell";

    private readonly ProcessBehaviourCatalog _catalog;
    private readonly SeenOnce _seen = new();

    public ServiceShellAnalytic(ProcessBehaviourCatalog catalog) => _catalog = catalog;

    public string Id => AnalyticId;

    public string Name => "Shell started by a network-facing service";

    public IReadOnlyCollection<string> Categories { get; } = [EventCategories.Process];

    public void Observe(EcsEvent value, ISignalSink signals)
    {
        if (!ProcessSignals.IsLive(value))
        {
            return;
        }

        var process = value.Process!;
        var parent = ProcessSignals.ParentProgramName(process);
        if (!_catalog.IsShell(ProcessSignals.ProgramName(process)) || !_catalog.IsNetworkService(parent) || !_seen.First(process, "service-shell"))
        {
            return;
        }

        signals.Emit(ProcessSignals.Make(this, value, "shell", 75, 0.8, [Techniques.UnixShell],
            $"{parent} (pid {process.Parent!.Pid}) started the shell {process.CommandLine ?? process.Executable}"));
    }
}
