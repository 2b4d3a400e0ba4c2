using System.Globalization;
using Atalaya.Core.Schema;
using Spectre.Console;

namespace Atalaya.Cli.Output;

/// <summary>Alerts for people (a table with the evidence) and for machines (NDJSON).</summary>
internal static class AlertFormatter
{
    public static void WriteNdjson(TextWriter output, IEnumerable<EcsEvent> events)
    {
        foreach (var value in events)
        {
            output.WriteLine(EcsJson.Serialize(value));
        }
    }

    /// <summary>
    /// One block per alert: severity, score and the process on the first line, then the plain
    /// sentence, the ATT&amp;CK ids, the command line and every contribution to the score.
    /// Blocks rather than a table so long paths and sentences stay readable in any terminal width.
    /// </summary>
    public static void WriteBlocks(IAnsiConsole console, IReadOnlyList<EcsEvent> alerts, bool withEvidence)
    {
        foreach (var alert in alerts)
        {
            var severity = alert.Atalaya?.Severity ?? "-";
            var process = alert.Process is { } p ? $"pid {p.Pid} {Printable(p.Executable ?? p.Name ?? "?", 300)}" : "";
            console.MarkupLine(
                $"[{Colour(severity)}]{Markup.Escape(severity.ToUpperInvariant())} {alert.Event.RiskScore}[/]  " +
                $"{Markup.Escape(alert.Timestamp.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture))} UTC  {Markup.Escape(process)}");
            console.MarkupLine($"  {Markup.Escape(Printable(alert.Atalaya?.Summary ?? alert.Rule?.Name ?? "alert", 2000))}");
            var techniques = alert.Threat?.Technique?.Id;
            if (techniques is { Count: > 0 })
            {
                console.MarkupLine($"  ATT&CK: {Markup.Escape(string.Join(", ", techniques))}   rule: {Markup.Escape(alert.Rule?.Id ?? "-")}");
            }

            if (alert.Process?.CommandLine is { Length: > 0 } commandLine)
            {
                console.MarkupLine($"  command: {Markup.Escape(Printable(commandLine, 300))}");
            }

            if (withEvidence && alert.Atalaya?.Evidence is { Count: > 0 } evidence)
            {
                foreach (var item in evidence)
                {
                    console.MarkupLine($"  [grey]+{item.Weight}×{item.Confidence.ToString("0.##", CultureInfo.InvariantCulture)}[/] {Markup.Escape(Printable(item.Detail, 500))}");
                }
            }

            console.WriteLine();
        }
    }

    /// <summary>Hostile command lines (control characters, escape sequences, megabytes) must not drive the terminal.</summary>
    public static string Printable(string text, int max)
    {
        var span = text.AsSpan(0, Math.Min(text.Length, max));
        var chars = new char[span.Length];
        for (var i = 0; i < span.Length; i++)
        {
            chars[i] = char.IsControl(span[i]) ? '?' : span[i];
        }

        return new string(chars) + (text.Length > max ? "…" : "");
    }

    private static string Colour(string severity) => severity switch
    {
        "critical" => "bold red",
        "high" => "red",
        "medium" => "yellow",
        "low" => "blue",
        _ => "grey",
    };
}
