using Atalaya.Core.Detection.Sigma;
using Atalaya.Core.Schema;

namespace Atalaya.Core.Tests.Sigma;

/// <summary>
/// Random rules (conditions, modifiers, values) and random events, from a fixed seed and a bounded
/// number of rounds: loading never throws (every rule gets a status) and evaluation never throws.
/// </summary>
public sealed class SigmaFuzzTests
{
    private static readonly string[] Fields = ["Image", "CommandLine", "ParentImage", "ParentCommandLine", "User", "CurrentDirectory", "ProcessId", "Unknown", ""];
    private static readonly string[] Modifiers = ["contains", "startswith", "endswith", "all", "re", "cidr", "exists", "cased", "windash", "base64", "base64offset", "gt", "lte", "utf16le", "wide", "fieldref", "i", "bogus"];
    private static readonly string[] Words = ["and", "or", "not", "(", ")", "1 of", "all of", "them", "sel_*", "sel_0", "sel_1", "sel_2", "x*", "|", "of"];
    private static readonly string[] Atoms = ["a", "*", "?", "\\", "\\*", "/bin/", "bash", " -e ", "10.0.0.0/8", "(a+)+$", "[", "true", "0", "\u00e9", "\u2013", "'", "\"", "%", "\0"];

    [Fact]
    public void Random_rules_and_events_never_throw()
    {
        var random = new Random(20261121);
        var statuses = new Dictionary<SigmaLoadStatus, int>();
        var evaluated = 0;
        for (var round = 0; round < 1500; round++)
        {
            var yaml = RandomRule(random);
            var results = SigmaRuleLoader.Load("fuzz.yml", yaml, SigmaRuleSource.External);
            foreach (var result in results)
            {
                statuses[result.Status] = statuses.GetValueOrDefault(result.Status) + 1;
                Assert.True(result.Status == SigmaLoadStatus.Ok || result.Code is not null, yaml);
                if (result.Rule is not { } rule)
                {
                    continue;
                }

                for (var e = 0; e < 5; e++)
                {
                    var value = RandomEvent(random);
                    if (rule.Matches(value, random.Next(3) == 0 ? RandomText(random) : null))
                    {
                        Assert.NotNull(rule.Explain(value));
                    }

                    evaluated++;
                }
            }
        }

        // The generator must reach every outcome, or the test proves little.
        Assert.True(statuses.GetValueOrDefault(SigmaLoadStatus.Ok) > 100, string.Join(", ", statuses));
        Assert.True(statuses.GetValueOrDefault(SigmaLoadStatus.Error) > 100, string.Join(", ", statuses));
        Assert.True(evaluated > 500);
    }

    private static string RandomRule(Random random)
    {
        var searches = new List<string>();
        var count = random.Next(1, 4);
        for (var s = 0; s < count; s++)
        {
            var lines = new List<string> { $"    sel_{s}:" };
            for (var f = 0; f < random.Next(1, 3); f++)
            {
                var field = Fields[random.Next(Fields.Length)];
                var modifiers = string.Concat(Enumerable.Range(0, random.Next(0, 3)).Select(_ => "|" + Modifiers[random.Next(Modifiers.Length)]));
                lines.Add($"        '{field}{modifiers}':");
                for (var v = 0; v < random.Next(1, 4); v++)
                {
                    lines.Add($"            - '{RandomText(random).Replace("'", "''", StringComparison.Ordinal)}'");
                }
            }

            searches.Add(string.Join("\n", lines));
        }

        var condition = random.Next(4) == 0
            ? string.Join(' ', Enumerable.Range(0, random.Next(1, 8)).Select(_ => Words[random.Next(Words.Length)]))
            : string.Join(random.Next(2) == 0 ? " and " : " or ", Enumerable.Range(0, count).Select(i => (random.Next(3) == 0 ? "not " : "") + $"sel_{i}"));
        return $"title: fuzz\nid: f\nlogsource:\n    product: linux\n    category: process_creation\ndetection:\n{string.Join("\n", searches)}\n    condition: '{condition.Replace("'", "''", StringComparison.Ordinal)}'\n";
    }

    private static string RandomText(Random random) =>
        string.Concat(Enumerable.Range(0, random.Next(0, 6)).Select(_ => Atoms[random.Next(Atoms.Length)]));

    private static EcsEvent RandomEvent(Random random) => new()
    {
        Timestamp = SampleEvents.Now,
        Event = new EventFields { Kind = EventKinds.Event, Category = [EventCategories.Process], Type = [EventTypes.Start] },
        Process = random.Next(6) == 0 ? null : new ProcessFields
        {
            Pid = random.Next(),
            Executable = random.Next(4) == 0 ? null : "/usr/bin/" + RandomText(random),
            CommandLine = random.Next(4) == 0 ? null : RandomText(random) + " " + RandomText(random),
            WorkingDirectory = random.Next(2) == 0 ? "" : RandomText(random),
            User = random.Next(2) == 0 ? null : new UserFields { Name = RandomText(random) },
            Parent = random.Next(2) == 0 ? null : new ProcessFields { Pid = 1, Executable = RandomText(random), CommandLine = RandomText(random) },
        },
    };
}
