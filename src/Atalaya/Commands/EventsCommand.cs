using System.CommandLine;
using System.Globalization;
using Atalaya.Cli.Hosting;
using Atalaya.Cli.Output;
using Atalaya.Core.Schema;
using Atalaya.Core.Storage;
using Spectre.Console;

namespace Atalaya.Cli.Commands;

/// <summary><c>atalaya events</c>: the raw telemetry from the store, filtered.</summary>
internal static class EventsCommand
{
    public static Command Create()
    {
        var since = new Option<string?>("--since") { Description = "Only events since then: 30s, 10m, 2h, 7d or an ISO time" };
        var category = new Option<string?>("--category") { Description = "process, network, file, ..." };
        var pid = new Option<int?>("--pid") { Description = "Only this process id" };
        var json = new Option<bool>("--json") { Description = "One ECS JSON object per line (NDJSON)" };
        var limit = new Option<int>("--limit") { Description = "At most this many events", DefaultValueFactory = _ => 200 };
        var command = new Command("events", "Show collected events (processes, connections, ...), newest first")
        {
            since, category, pid, json, limit,
        };
        command.SetAction(parse =>
        {
            var config = GlobalOptions.LoadConfig(parse);
            using var store = StoreAccess.OpenForReading(GlobalOptions.ResolveDataDir(parse, config));
            var events = store.QueryEvents(new EventQuery(
                Since: parse.GetValue(since) is { } text ? DurationParser.ParseSince(text, DateTimeOffset.UtcNow) : null,
                Limit: Math.Clamp(parse.GetValue(limit), 1, 1_000_000),
                Category: parse.GetValue(category),
                Pid: parse.GetValue(pid)));
            if (parse.GetValue(json))
            {
                AlertFormatter.WriteNdjson(Console.Out, events);
                return 0;
            }

            var table = new Table().Border(TableBorder.Simple);
            table.AddColumn("time (UTC)");
            table.AddColumn("action");
            table.AddColumn("pid");
            table.AddColumn("details");
            foreach (var value in events)
            {
                table.AddRow(
                    value.Timestamp.UtcDateTime.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture),
                    Markup.Escape(value.Event.Action ?? value.Event.Kind),
                    value.Process?.Pid.ToString(CultureInfo.InvariantCulture) ?? "",
                    Markup.Escape(Details(value)));
            }

            Terminal.Console.Write(table);
            return 0;
        });
        return command;
    }

    private static string Details(EcsEvent value)
    {
        if (value.Network is { } network)
        {
            var local = $"{value.Source?.Ip}:{value.Source?.Port}";
            var remote = value.Destination is { } d ? $" → {d.Ip}:{d.Port}" : "";
            return $"{network.Transport} {local}{remote} {value.Process?.Executable}";
        }

        return AlertFormatter.Printable(value.Process?.CommandLine ?? value.Process?.Executable ?? value.Process?.Name ?? "", 160);
    }
}
