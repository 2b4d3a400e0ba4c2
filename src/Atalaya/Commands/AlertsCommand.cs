using System.CommandLine;
using Atalaya.Cli.Hosting;
using Atalaya.Cli.Output;
using Atalaya.Core.Storage;
using Spectre.Console;

namespace Atalaya.Cli.Commands;

/// <summary><c>atalaya alerts [--since 10m|TIME] [--json]</c>: alerts from the store, newest first.</summary>
internal static class AlertsCommand
{
    public static Command Create()
    {
        var since = new Option<string?>("--since") { Description = "Only alerts updated since then: 30s, 10m, 2h, 7d or 2026-11-21T10:00:00Z" };
        var json = new Option<bool>("--json") { Description = "One ECS JSON object per line (NDJSON)" };
        var limit = new Option<int>("--limit") { Description = "At most this many alerts", DefaultValueFactory = _ => 1000 };
        var command = new Command("alerts", "Show alerts from the store, newest first") { since, json, limit };
        command.SetAction(parse =>
        {
            var config = GlobalOptions.LoadConfig(parse);
            using var store = StoreAccess.OpenForReading(GlobalOptions.ResolveDataDir(parse, config));
            var query = new AlertQuery(
                Since: parse.GetValue(since) is { } text ? DurationParser.ParseSince(text, DateTimeOffset.UtcNow) : null,
                Limit: Math.Clamp(parse.GetValue(limit), 1, 100_000));
            var alerts = store.QueryAlerts(query);
            if (parse.GetValue(json))
            {
                AlertFormatter.WriteNdjson(Console.Out, alerts);
                return 0;
            }

            if (alerts.Count == 0)
            {
                Terminal.Console.MarkupLine("[green]No alerts[/]" + (query.Since is null ? "." : " in that time."));
                return 0;
            }

            AlertFormatter.WriteBlocks(Terminal.Console, alerts, withEvidence: true);
            return 0;
        });
        return command;
    }
}
