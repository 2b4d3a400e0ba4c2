using System.CommandLine;
using System.Text.Json;
using Atalaya.Cli.Hosting;
using Atalaya.Core.Detection.Sigma;

namespace Atalaya.Cli.Commands;

/// <summary>
/// <c>atalaya rules check [DIR] [--json]</c>: load every Sigma rule below DIR (default: the shipped
/// rules/sigma) and print each rule's status (ok, skipped, error) with its coded reason. Exit 0
/// when no rule is an error, 1 when one is, 2 on usage errors.
/// <c>atalaya rules test FILE.cases.yaml...</c>: run declarative rule cases; exit 1 when a case fails.
/// </summary>
internal static class RulesCommand
{
    public static Command Create()
    {
        var command = new Command("rules", "Check Sigma rules and run their test cases") { CreateCheck(), CreateTest() };
        return command;
    }

    private static Command CreateCheck()
    {
        var directory = new Argument<string?>("DIR") { Description = "Folder of Sigma rules (default: the shipped rules/sigma)", Arity = ArgumentArity.ZeroOrOne };
        var json = new Option<bool>("--json") { Description = "One JSON object per rule (path, id, title, status, reason); counts on stderr" };
        var command = new Command("check", "Load Sigma rules and report which compile, which are skipped and why, and which are broken") { directory, json };
        command.SetAction(parse =>
        {
            var config = GlobalOptions.LoadConfig(parse);
            var folder = parse.GetValue(directory) ?? SigmaRuleFiles.ShippedFolder(config);
            var source = parse.GetValue(directory) is null ? SigmaRuleSource.Shipped : SigmaRuleSource.External;
            var set = SigmaRuleSet.Create(SigmaRuleFiles.LoadFolder(folder, source));
            var summary = $"{set.Results.Count} rules in {folder}: {set.Count(SigmaLoadStatus.Ok)} ok, " +
                          $"{set.Count(SigmaLoadStatus.Skipped)} skipped, {set.Count(SigmaLoadStatus.Error)} error";
            if (parse.GetValue(json))
            {
                WriteJson(set.Results);
                Console.Error.WriteLine(summary);
            }
            else
            {
                WriteTable(folder, set.Results);
                Console.Out.WriteLine(summary);
            }

            return set.Count(SigmaLoadStatus.Error) > 0 ? ExitCodes.Findings : ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateTest()
    {
        var files = new Argument<string[]>("FILE") { Description = "Cases files (*.cases.yaml)", Arity = ArgumentArity.OneOrMore };
        var command = new Command("test", "Run declarative rule cases: each event must match exactly the expected rules") { files };
        command.SetAction(parse =>
        {
            var failed = 0;
            var total = 0;
            foreach (var file in parse.GetValue(files) ?? [])
            {
                var (results, errors) = RunCases(file);
                foreach (var result in results)
                {
                    total++;
                    if (result.Passed)
                    {
                        Console.Out.WriteLine($"pass  {file}: {result.Case.Name}");
                        continue;
                    }

                    failed++;
                    Console.Out.WriteLine($"FAIL  {file}:{result.Case.Line}: {result.Case.Name}: expected [{string.Join(", ", result.Case.Expect)}], matched [{string.Join(", ", result.Matched)}]");
                }

                foreach (var error in errors)
                {
                    failed++;
                    Console.Out.WriteLine($"FAIL  {file}: {error}");
                }
            }

            Console.Out.WriteLine($"{total} cases, {total - failed} passed, {failed} failed");
            return failed > 0 ? ExitCodes.Findings : ExitCodes.Ok;
        });
        return command;
    }

    private static (IReadOnlyList<SigmaCaseResult> Results, List<string> Errors) RunCases(string file)
    {
        string text;
        try
        {
            text = File.ReadAllText(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot read {file}: {ex.Message}");
        }

        SigmaCaseFile cases;
        try
        {
            cases = SigmaCaseFile.Parse(file, text);
        }
        catch (FormatException ex)
        {
            throw new CliException($"{file}: {ex.Message}");
        }

        var folder = Path.GetDirectoryName(Path.GetFullPath(file))!;
        var loaded = new List<SigmaLoadResult>();
        foreach (var ruleFile in cases.RuleFiles)
        {
            var path = Path.Combine(folder, ruleFile);
            if (!File.Exists(path))
            {
                throw new CliException($"{file}: the rule file {path} does not exist");
            }

            // Our own rules are the ones with cases; the source only matters for attribution.
            loaded.AddRange(SigmaRuleFiles.LoadFile(path, SigmaRuleSource.Shipped));
        }

        var set = SigmaRuleSet.Create(loaded);
        var errors = set.Results.Where(r => r.Status != SigmaLoadStatus.Ok).Select(r => $"rule {r.Path} is {r.StatusWord}: {r.Reason}").ToList();
        return (cases.Run(set), errors);
    }

    private static void WriteJson(IReadOnlyList<SigmaLoadResult> results)
    {
        using var stdout = Console.OpenStandardOutput();
        foreach (var result in results)
        {
            using (var writer = new Utf8JsonWriter(stdout))
            {
                writer.WriteStartObject();
                writer.WriteString("path", result.Path);
                writer.WriteString("id", result.Id);
                writer.WriteString("title", result.Title);
                writer.WriteString("status", result.StatusWord);
                writer.WriteString("reason", result.Reason);
                writer.WriteString("code", result.Code);
                if (result.Line is { } line)
                {
                    writer.WriteNumber("line", line);
                }
                else
                {
                    writer.WriteNull("line");
                }

                writer.WriteEndObject();
            }

            stdout.WriteByte((byte)'\n');
        }
    }

    private static void WriteTable(string folder, IReadOnlyList<SigmaLoadResult> results)
    {
        foreach (var result in results)
        {
            var relative = Path.GetRelativePath(folder, result.Path);
            var line = $"{result.StatusWord,-8} {relative}  {result.Title ?? "(no title)"}";
            Console.Out.WriteLine(result.Reason is null ? line : $"{line}\n         {result.Reason}");
        }
    }
}
