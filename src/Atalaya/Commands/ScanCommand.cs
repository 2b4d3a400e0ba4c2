using System.CommandLine;
using Atalaya.Cli.Hosting;
using Atalaya.Cli.Output;
using Atalaya.Core.Detection;
using Atalaya.Core.Enrichment;
using Atalaya.Core.Schema;
using Atalaya.Core.Scoring;
using Spectre.Console;

namespace Atalaya.Cli.Commands;

/// <summary>
/// <c>atalaya scan [--json] [--fail-on SEVERITY]</c>: the one-shot "am I hacked?". Exit 0 when
/// nothing reaches the threshold (default medium), 1 when something does, 2 on error.
/// </summary>
internal static class ScanCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Findings as ECS alerts, one JSON object per line (NDJSON)" };
        var failOn = new Option<string>("--fail-on")
        {
            Description = "Exit 1 when a finding is at or above this severity: low, medium, high, critical",
            DefaultValueFactory = _ => "medium",
        };
        failOn.AcceptOnlyFromAmong("low", "medium", "high", "critical");
        var noStore = new Option<bool>("--no-store") { Description = "Do not record the findings in the store" };
        var command = new Command("scan", "Assess this host now: running programs and open sockets, scored and explained")
        {
            json, failOn, noStore, GlobalOptions.Rules,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            if (!Verdicts.TryParseSeverity(parse.GetValue(failOn), out var threshold))
            {
                throw new CliException("--fail-on takes low, medium, high or critical");
            }

            var config = GlobalOptions.LoadConfig(parse);
            var dataDir = GlobalOptions.ResolveDataDir(parse, config);
            var intel = DetectionSetup.LoadThreatIntel(config, dataDir);
            // The running processes' executables are scanned with the YARA rules (once per content).
            var yara = YaraSetup.Load(config);
            var engine = DetectionSetup.CreateEngine(config, TimeProvider.System, parse.GetValue(GlobalOptions.Rules) ?? [], intel: intel.Analytic, yara: yara.Analytic);
            engine.AllowList = AllowlistAccess.Load(dataDir);
            var sources = SensorFactory.CreateSnapshotSources(config, TimeProvider.System, dataDir);
            AssessmentResult result;
            try
            {
                result = HostAssessment.Run(sources, engine, new ProcessTableEnricher(), cancellationToken);
            }
            finally
            {
                // The sock_diag source holds a netlink socket.
                foreach (var disposable in sources.OfType<IDisposable>())
                {
                    disposable.Dispose();
                }
            }


            var findings = result.Alerts;
            var failing = findings.Count(a => a.Event.RiskScore >= threshold.MinimumScore());
            if (!parse.GetValue(noStore) && findings.Count > 0)
            {
                RecordFindings(dataDir, findings);
            }

            foreach (var failure in result.SourceFailures)
            {
                Console.Error.WriteLine($"atalaya: warning: {failure}");
            }

            if (parse.GetValue(json))
            {
                AlertFormatter.WriteNdjson(Console.Out, findings);
            }
            else
            {
                WriteReport(result, threshold, failing);
            }

            return Task.FromResult(failing > 0 ? ExitCodes.Findings : ExitCodes.Ok);
        });
        return command;
    }

    private static void WriteReport(AssessmentResult result, Severity threshold, int failing)
    {
        var processes = result.Observed.Count(e => e.Event.Category.Contains(EventCategories.Process));
        var sockets = result.Observed.Count(e => e.Event.Category.Contains(EventCategories.Network));
        Terminal.Console.MarkupLine($"Checked {processes:N0} processes and {sockets:N0} sockets on {Markup.Escape(Environment.MachineName)}.");
        if (result.Alerts.Count == 0)
        {
            Terminal.Console.MarkupLine("[green]No signs of compromise found.[/]");
            return;
        }

        Terminal.Console.MarkupLine(failing > 0
            ? $"[red]{failing} finding{(failing == 1 ? "" : "s")} at {threshold.Word()} severity or above need{(failing == 1 ? "s" : "")} a look.[/]"
            : $"[green]Nothing at {threshold.Word()} severity or above.[/] {result.Alerts.Count} lower finding{(result.Alerts.Count == 1 ? "" : "s")}:");
        AlertFormatter.WriteBlocks(Terminal.Console, result.Alerts, withEvidence: true);
    }

    /// <summary>Best effort: a read-only or locked data directory must not turn a scan into an error.</summary>
    private static void RecordFindings(string dataDirectory, IReadOnlyList<EcsEvent> findings)
    {
        try
        {
            using var store = StoreAccess.OpenForWriting(dataDirectory);
            new Atalaya.Storage.IncidentRecordingStore(store).Append(findings);
        }
        catch (Exception ex) when (ex is CliException or Atalaya.Storage.StoreException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"atalaya: warning: findings not recorded in {dataDirectory}: {ex.Message}");
        }
    }
}
