using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Atalaya.Cli.Hosting;
using Atalaya.Cli.Output;
using Atalaya.Core.Pipeline;
using Atalaya.Platform.Linux.Yara;
using Spectre.Console;

namespace Atalaya.Cli.Commands;

/// <summary><c>atalaya status</c>: is the agent running, which sensor each source uses, counts and drops.</summary>
internal static class StatusCommand
{
    /// <summary>The agent saves its status every 2 s; older than this and it is not running.</summary>
    private static readonly TimeSpan Stale = TimeSpan.FromSeconds(15);

    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "The status as one JSON object" };
        var command = new Command("status", "Show the agent's health: sensors, event counts, drops, store size") { json };
        command.SetAction(parse =>
        {
            var config = GlobalOptions.LoadConfig(parse);
            var dataDir = GlobalOptions.ResolveDataDir(parse, config);
            using var store = StoreAccess.OpenForReading(dataDir);
            var status = store.LoadStatus();
            var stats = store.GetStatistics();
            // YARA depends on the host's libyara, not on the agent: probed here so status says why it is off.
            var yara = YaraSetup.Load(config, _ => { }).Compilation;
            var running = status is not null && status.State == "running" && DateTimeOffset.UtcNow - status.UpdatedAt < Stale;
            if (parse.GetValue(json))
            {
                var body = status is null ? new JsonObject() : JsonNode.Parse(StatusJson.Serialize(status with { State = running ? "running" : "stopped" }))!.AsObject();
                body["features"] = new JsonObject { ["yara"] = YaraJson(yara) };
                Console.Out.WriteLine(body.ToJsonString());
                return 0;
            }

            Terminal.Console.MarkupLine($"data directory: {Markup.Escape(dataDir)}");
            Terminal.Console.MarkupLine(yara.Available
                ? $"yara: {Markup.Escape(YaraSetup.Describe(yara))}"
                : $"yara: [yellow]{Markup.Escape(YaraSetup.Describe(yara))}[/]");
            Terminal.Console.MarkupLine($"store: {stats.EventCount:N0} events, {stats.AlertCount:N0} alerts, {stats.DatabaseBytes / 1024.0 / 1024.0:0.0} MiB (schema v{stats.SchemaVersion})");
            if (status is null)
            {
                Terminal.Console.MarkupLine("agent: [yellow]has never run with this data directory[/]");
                return 0;
            }

            Terminal.Console.MarkupLine(running
                ? $"agent: [green]running[/] (pid {status.Pid}, version {Markup.Escape(status.Version)}, since {status.StartedAt.UtcDateTime:u})"
                : $"agent: [yellow]not running[/] (last seen {status.UpdatedAt.UtcDateTime:u})");
            Terminal.Console.MarkupLine($"events: {status.EventsPublished:N0} collected, {status.EventsProcessed:N0} analysed, {status.EventsStored:N0} stored, [{(status.EventsDropped > 0 ? "red" : "green")}]{status.EventsDropped:N0} dropped[/]; {status.AlertsRaised:N0} alerts raised");
            if (status.AnalyticFailures is { Count: > 0 } failures)
            {
                // An analytic that throws leaves a detection gap: say which, so it is not silent.
                Terminal.Console.MarkupLine($"[red]analytic failures:[/] {Markup.Escape(string.Join(", ", failures.Select(f => $"{f.Key}={f.Value:N0}")))}");
            }

            if (status.RuleFailures is { Count: > 0 } rules)
            {
                // A rule that throws or times out could not decide those events: name the worst ones.
                Terminal.Console.MarkupLine($"[red]rule failures (top {rules.Count}):[/] {Markup.Escape(string.Join(", ", rules.Select(Describe)))}");
            }

            if (status.StoreErrors > 0)
            {
                Terminal.Console.MarkupLine($"[red]store errors: {status.StoreErrors:N0}[/] (last: {Markup.Escape(status.LastStoreError ?? "")})");
            }

            var table = new Table().Border(TableBorder.Rounded);
            table.AddColumn("source");
            table.AddColumn("sensor");
            table.AddColumn("state");
            table.AddColumn("restarts");
            table.AddColumn("counters");
            foreach (var collector in status.Collectors)
            {
                table.AddRow(
                    Markup.Escape(collector.Name),
                    Markup.Escape(collector.Sensor),
                    Markup.Escape(collector.State) + (collector.LastError is null ? "" : $"\n[red]{Markup.Escape(collector.LastError)}[/]"),
                    collector.Restarts.ToString(CultureInfo.InvariantCulture),
                    Markup.Escape(string.Join(", ", collector.Counters.Select(kv => $"{kv.Key}={kv.Value}"))));
            }

            Terminal.Console.Write(table);
            return 0;
        });
        return command;
    }

    private static string Describe(RuleFailure failure)
    {
        var parts = new List<string>(2);
        if (failure.Errors > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{failure.Errors:N0} errors"));
        }

        if (failure.RegexTimeouts > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{failure.RegexTimeouts:N0} regex timeouts"));
        }

        return $"{failure.RuleId}={failure.Total.ToString("N0", CultureInfo.InvariantCulture)} ({string.Join(", ", parts)})";
    }

    private static JsonObject YaraJson(YaraCompilation yara)
    {
        var errors = new JsonArray();
        foreach (var error in yara.Errors)
        {
            errors.Add(new JsonObject { ["file"] = error.File, ["line"] = error.Line, ["message"] = error.Message });
        }

        return new JsonObject
        {
            ["available"] = yara.Available,
            ["reason"] = yara.UnavailableReason,
            ["rules"] = yara.RuleCount,
            ["files"] = yara.FilesCompiled.Count,
            ["errors"] = errors,
        };
    }
}
