using System.CommandLine;
using System.Text.Json.Nodes;
using Atalaya.Cli.Hosting;
using Atalaya.Core.Yara;
using Spectre.Console;
using Atalaya.Cli.Output;

namespace Atalaya.Cli.Commands;

/// <summary>
/// <c>atalaya yara scan PATH... [--json]</c>: scans files (or folders, recursively) with the YARA rules
/// now, without the agent. Exit 1 when a rule matched, 2 when YARA is unavailable or on error.
/// </summary>
internal static class YaraCommand
{
    public static Command Create()
    {
        var paths = new Argument<string[]>("PATH") { Description = "Files or folders to scan", Arity = ArgumentArity.OneOrMore };
        var json = new Option<bool>("--json") { Description = "One JSON object per scanned file (NDJSON)" };
        var scan = new Command("scan", "Scan files or folders with the YARA rules (rules/yara or yaraRulesDir)") { paths, json };
        scan.SetAction(parse =>
        {
            var config = GlobalOptions.LoadConfig(parse);
            var (compilation, _) = YaraSetup.Load(config);
            if (compilation.Rules is not { } rules)
            {
                throw new CliException("yara: " + (compilation.UnavailableReason ?? $"no rules compiled from {YaraSetup.RulesFolder(config)}"));
            }

            var matched = 0;
            foreach (var file in Expand(parse.GetValue(paths) ?? []))
            {
                var result = rules.ScanFile(file);
                matched += result.Matches.Count > 0 ? 1 : 0;
                if (parse.GetValue(json))
                {
                    Console.Out.WriteLine(ToJson(file, result).ToJsonString());
                }
                else if (result.Error is { } error)
                {
                    Console.Error.WriteLine($"atalaya: warning: {file}: {error}");
                }
                else
                {
                    foreach (var match in result.Matches)
                    {
                        Terminal.Console.MarkupLine($"[red]{Markup.Escape(match.Namespace)}:{Markup.Escape(match.Rule)}[/] {Markup.Escape(file)}"
                            + (match.Tags.Count > 0 ? $" [grey]({Markup.Escape(string.Join(", ", match.Tags))})[/]" : string.Empty));
                    }
                }
            }

            return matched > 0 ? ExitCodes.Findings : ExitCodes.Ok;
        });
        return new Command("yara", "YARA content scanning") { scan };
    }

    private static IEnumerable<string> Expand(IEnumerable<string> paths)
    {
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                foreach (var file in Directory.EnumerateFiles(path, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint }).Order(StringComparer.Ordinal))
                {
                    yield return file;
                }
            }
            else
            {
                yield return path;
            }
        }
    }

    private static JsonObject ToJson(string file, YaraScanResult result)
    {
        var matches = new JsonArray();
        foreach (var match in result.Matches)
        {
            var meta = new JsonObject();
            foreach (var (key, value) in match.Meta)
            {
                meta[key] = value;
            }

            var tags = new JsonArray();
            foreach (var tag in match.Tags)
            {
                tags.Add(tag);
            }

            matches.Add(new JsonObject { ["rule"] = match.Rule, ["namespace"] = match.Namespace, ["tags"] = tags, ["meta"] = meta });
        }

        return new JsonObject { ["path"] = file, ["error"] = result.Error, ["matches"] = matches };
    }
}
