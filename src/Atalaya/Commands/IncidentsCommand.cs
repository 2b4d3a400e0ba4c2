using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Atalaya.Cli.Hosting;
using Atalaya.Core.Incidents;
using Atalaya.Core.Storage;
using Atalaya.Storage;

namespace Atalaya.Cli.Commands;

/// <summary>
/// <c>atalaya incidents [--since 1h] [--json] [--recompute [--window 5m]]</c>: the incidents the agent
/// stored as alerts arrived (see <see cref="IncidentCorrelator"/>), newest first, each with its
/// timeline. <c>--recompute</c> groups the stored alerts again instead, with another window.
/// </summary>
internal static class IncidentsCommand
{
    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    public static Command Create()
    {
        var since = new Option<string?>("--since") { Description = "Only alerts updated since then: 30s, 10m, 2h, 7d or 2026-11-21T10:00:00Z (default 24h)" };
        var window = new Option<string>("--window") { Description = "With --recompute: alerts further apart than this start a new incident", DefaultValueFactory = _ => "5m" };
        var recompute = new Option<bool>("--recompute") { Description = "Group the stored alerts now instead of reading the stored incidents" };
        var json = new Option<bool>("--json") { Description = "One JSON object per incident per line (NDJSON)" };
        var command = new Command("incidents", "Alerts on one process tree within minutes of each other, merged into incidents with a timeline") { since, window, json, recompute };
        command.SetAction(parse =>
        {
            var windowText = parse.GetValue(window)!;
            if (!DurationParser.TryParseDuration(windowText, out var gap) || gap <= TimeSpan.Zero)
            {
                throw new CliException($"--window '{windowText}' is not a duration (30s, 5m, 1h)");
            }

            var config = GlobalOptions.LoadConfig(parse);
            var dataDir = GlobalOptions.ResolveDataDir(parse, config);
            var now = DateTimeOffset.UtcNow;
            IReadOnlyList<Incident> incidents = [];
            if (File.Exists(Path.Combine(dataDir, SqliteEventStore.FileName)))
            {
                using var store = StoreAccess.OpenForReading(dataDir);
                var from = DurationParser.ParseSince(parse.GetValue(since) ?? "24h", now);
                incidents = parse.GetValue(recompute)
                    ? new IncidentCorrelator(gap).Correlate(store.QueryAlerts(new AlertQuery(Since: from, Limit: 100_000)))
                    : store.ListIncidents(from, limit: 100_000);
            }

            var newestFirst = incidents.OrderByDescending(i => i.End).ToList();
            if (parse.GetValue(json))
            {
                foreach (var incident in newestFirst)
                {
                    WriteJson(Console.Out, incident);
                }

                return ExitCodes.Ok;
            }

            if (newestFirst.Count == 0)
            {
                Console.Out.WriteLine("No incidents.");
            }

            foreach (var incident in newestFirst)
            {
                var root = incident.Root is { } r ? $"{r.Executable ?? "?"} (pid {r.Pid})" : "no process";
                Console.Out.WriteLine($"{incident.Id}  {incident.Score}/100 {incident.Verdict}  {incident.AlertIds.Count} alert{(incident.AlertIds.Count == 1 ? "" : "s")}  tree {root}  {incident.Start.ToString(TimeFormat, CultureInfo.InvariantCulture)} → {incident.End.ToString(TimeFormat, CultureInfo.InvariantCulture)}");
                foreach (var entry in incident.Timeline)
                {
                    Console.Out.WriteLine($"    {entry.Timestamp.ToString("HH:mm:ss", CultureInfo.InvariantCulture)}  {entry.Domain,-11}  pid {entry.Pid?.ToString(CultureInfo.InvariantCulture) ?? "-",-7}  {entry.Detail}");
                }
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static void WriteJson(TextWriter output, Incident incident)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("id", incident.Id);
            writer.WriteString("start", incident.Start.ToUniversalTime().ToString(TimeFormat, CultureInfo.InvariantCulture));
            writer.WriteString("end", incident.End.ToUniversalTime().ToString(TimeFormat, CultureInfo.InvariantCulture));
            writer.WriteNumber("score", incident.Score);
            writer.WriteString("verdict", incident.Verdict);
            if (incident.Severity is { } severity)
            {
                writer.WriteString("severity", severity);
            }

            if (incident.Root is { } root)
            {
                writer.WriteStartObject("root");
                writer.WriteNumber("pid", root.Pid);
                if (root.Executable is { } executable)
                {
                    writer.WriteString("executable", executable);
                }

                writer.WriteEndObject();
            }

            writer.WriteStartArray("alert_ids");
            foreach (var id in incident.AlertIds)
            {
                writer.WriteStringValue(id);
            }

            writer.WriteEndArray();
            writer.WriteStartArray("domains");
            foreach (var domain in incident.Domains)
            {
                writer.WriteStringValue(domain);
            }

            writer.WriteEndArray();
            writer.WriteStartArray("timeline");
            foreach (var entry in incident.Timeline)
            {
                writer.WriteStartObject();
                writer.WriteString("@timestamp", entry.Timestamp.ToUniversalTime().ToString(TimeFormat, CultureInfo.InvariantCulture));
                writer.WriteString("domain", entry.Domain);
                if (entry.Pid is { } pid)
                {
                    writer.WriteNumber("pid", pid);
                }

                if (entry.Executable is { } executable)
                {
                    writer.WriteString("executable", executable);
                }

                writer.WriteString("rule_id", entry.RuleId);
                writer.WriteString("detail", entry.Detail);
                writer.WriteString("alert_id", entry.AlertId);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
