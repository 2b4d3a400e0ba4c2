using Atalaya.Core.Analytics;
using Atalaya.Core.Detection.Sigma;
using Atalaya.Core.Schema;
using Xunit.Abstractions;

namespace Atalaya.Core.Tests.Sigma;

/// <summary>
/// The literal prefilter must never drop a match: over every loaded rule (SigmaHQ when present and
/// our pack) and thousands of generated events built from the rules' own literals, perturbed in
/// case (including the non-ASCII letters that fold to ASCII), the prefiltered engine fires exactly
/// the rules that evaluating every rule fires, in the same order.
/// </summary>
public sealed class SigmaPrefilterTests(ITestOutputHelper output)
{
    private static readonly string[] Generic =
        ["/usr/bin/", "/bin/", "/tmp/", "bash", "sh", " -c ", " ", "|", "/dev/tcp/", "curl", "wget", "base64 -d", "python3", "/etc/", "'", "\"", ";", "é", "\u2013"];

    [Fact]
    public void Prefiltered_engine_fires_exactly_the_rules_of_full_evaluation()
    {
        var set = SigmaCorpus.All();
        var events = Generate(set, new Random(20261122), 4000).Concat(CaseEvents()).ToList();
        var filtered = new SigmaAnalytic(set, prefilter: true);
        var full = new SigmaAnalytic(set, prefilter: false);
        var fired = new HashSet<string>(StringComparer.Ordinal);
        var signals = 0;
        foreach (var value in events)
        {
            var expected = new RecordingSink();
            var actual = new RecordingSink();
            full.Observe(value, expected);
            filtered.Observe(value, actual);
            Assert.Equal(expected.Ids, actual.Ids);
            fired.UnionWith(expected.Ids);
            signals += expected.Ids.Count;

            // The bitset itself: every matching rule is selected.
            if (SigmaRuleSet.KindOf(value) is { } kind)
            {
                var rules = set.Candidates(kind);
                var selected = new ulong[SigmaPrefilter.Words(rules.Length)];
                set.Prefilter(kind).Select(value, selected);
                for (var i = 0; i < rules.Length; i++)
                {
                    if (rules[i].Matches(value))
                    {
                        Assert.True((selected[i >> 6] & (1UL << i)) != 0, $"{rules[i].Path} matched but was filtered out");
                    }
                }
            }
        }

        foreach (var kind in new[] { SigmaEventKind.ProcessCreation, SigmaEventKind.FileEvent, SigmaEventKind.NetworkConnection })
        {
            var filter = set.Prefilter(kind);
            output.WriteLine($"{kind}: {filter.RuleCount} rules, {filter.AlwaysEvaluated} always evaluated");
        }

        output.WriteLine($"{events.Count} events, {signals} signals, {fired.Count} distinct rules fired");
        // The generator must make rules fire, or equality of empty lists proves little.
        Assert.True(signals > 500, $"only {signals} signals");
        Assert.True(fired.Count >= (SigmaCorpus.SigmaHqLinux() is null ? 10 : 40), $"only {fired.Count} distinct rules fired");
    }

    [Theory]
    [InlineData("/usr/bin/CURL", "curl")]
    [InlineData("/usr/bin/cur\u212A", "curk")] // Kelvin sign, lower case k
    [InlineData("/usr/bin/ba\u017Fh", "bash")] // long s, upper case S
    [InlineData("/usr/b\u0130n/x", "bin")] // dotted capital I, lower case i
    [InlineData("/usr/b\u0131n/x", "bin")] // dotless i, upper case I
    [InlineData("/USR/BIN/X", "bin")]
    public void Case_folding_never_hides_a_literal_the_matchers_see(string value, string literal)
    {
        ValueMatcher[] matchers =
        [
            new ContainsMatcher(literal, cased: false),
            new ContainsAnyMatcher([literal, "zzzz"], cased: false),
            new EndsWithAnyMatcher(["/" + literal, "/zzzz"], cased: false),
            DetectionCompiler.Classify(SigmaPattern.Parse("*" + literal + "*x"), cased: false),
            DetectionCompiler.Classify(SigmaPattern.Parse("*/" + literal[0] + "?" + literal[2..] + "*"), cased: false),
        ];
        var seen = new bool[matchers.Length];
        for (var m = 0; m < matchers.Length; m++)
        {
            var automaton = new SigmaPrefilter.LiteralAutomaton([.. matchers[m].RequiredLiterals()!.Select(l => (l, 0))]);
            var selected = new ulong[1];
            automaton.Scan(value, selected);
            seen[m] = selected[0] == 1;
            if (matchers[m].MatchString(value))
            {
                Assert.True(seen[m], $"{matchers[m].Describe()} matches '{value}' but the prefilter missed it");
            }
        }

        // Whatever the runtime's ignore-case rules for these letters, plain ASCII case must be seen.
        if (value.All(char.IsAscii))
        {
            Assert.True(matchers[0].MatchString(value));
            Assert.True(seen[0]);
        }
    }

    [Fact]
    public void Overlapping_literals_are_all_reported()
    {
        var automaton = new SigmaPrefilter.LiteralAutomaton([("she", 0), ("he", 1), ("hers", 2), ("his", 3), ("xyz", 4)]);
        Span<ulong> selected = stackalloc ulong[1];
        automaton.Scan("USHERS", selected);
        Assert.Equal(0b0111UL, selected[0]);
    }

    private static IEnumerable<EcsEvent> CaseEvents()
    {
        foreach (var file in Directory.EnumerateFiles(SigmaCorpus.OwnPack(), "*.cases.yaml").Order(StringComparer.Ordinal))
        {
            foreach (var c in SigmaCaseFile.Parse(file, File.ReadAllText(file)).Cases)
            {
                yield return c.Event;
            }
        }
    }

    /// <summary>Events whose text fields are pieces of the rules' literals for that field, in random case, among generic fragments.</summary>
    private static IEnumerable<EcsEvent> Generate(SigmaRuleSet set, Random random, int count)
    {
        var pools = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var rule in set.Rules)
        {
            foreach (var (field, literal) in rule.Condition.Required() ?? [])
            {
                if (!pools.TryGetValue(field.EcsName, out var pool))
                {
                    pools[field.EcsName] = pool = [];
                }

                pool.Add(literal);
            }
        }

        var all = pools.Values.SelectMany(p => p).Concat(Generic).ToArray();
        string? Text(string ecsName)
        {
            if (random.Next(8) == 0)
            {
                return null;
            }

            var own = pools.GetValueOrDefault(ecsName);
            var pieces = Enumerable.Range(0, random.Next(1, 5)).Select(_ =>
                own is { Count: > 0 } && random.Next(3) > 0 ? own[random.Next(own.Count)]
                : random.Next(2) == 0 ? all[random.Next(all.Length)] : Generic[random.Next(Generic.Length)]);
            return Perturb(string.Concat(pieces), random);
        }

        for (var i = 0; i < count; i++)
        {
            var process = new ProcessFields
            {
                Pid = random.Next(1, 100_000),
                Name = Text("process.name"),
                Executable = Text("process.executable"),
                CommandLine = Text("process.command_line"),
                WorkingDirectory = Text("process.working_directory"),
                User = new UserFields { Id = random.Next(3) == 0 ? "0" : "1000", Name = Text("user.name") },
                Parent = random.Next(4) == 0 ? null : new ProcessFields
                {
                    Pid = random.Next(1, 100_000),
                    Name = Text("process.parent.name"),
                    Executable = Text("process.parent.executable"),
                    CommandLine = Text("process.parent.command_line"),
                },
            };
            yield return (i % 3) switch
            {
                0 => new EcsEvent
                {
                    Timestamp = SampleEvents.Now,
                    Event = new EventFields { Kind = EventKinds.Event, Category = [EventCategories.Process], Type = [EventTypes.Start] },
                    Process = process,
                },
                1 => new EcsEvent
                {
                    Timestamp = SampleEvents.Now,
                    Event = new EventFields { Kind = EventKinds.Event, Category = [EventCategories.File], Type = [EventTypes.Creation] },
                    Process = process,
                    File = new FileFields { Path = Text("file.path"), Name = Text("file.name"), TargetPath = Text("file.target_path") },
                },
                _ => new EcsEvent
                {
                    Timestamp = SampleEvents.Now,
                    Event = new EventFields { Kind = EventKinds.Event, Category = [EventCategories.Network], Type = [EventTypes.Connection, EventTypes.Start] },
                    Process = process,
                    Destination = new EndpointFields { Ip = random.Next(2) == 0 ? "203.0.113.9" : "127.0.0.1", Port = random.Next(2) == 0 ? 4444 : 443, Domain = Text("destination.domain") },
                    Source = new EndpointFields { Ip = "10.0.0.5", Port = 40000 },
                    Network = new NetworkFields { Transport = "tcp", Direction = "egress" },
                },
            };
        }
    }

    /// <summary>Random case, sometimes a non-ASCII letter that equals an ASCII one ignoring case.</summary>
    private static string Perturb(string text, Random random)
    {
        var chars = text.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = random.Next(6) switch
            {
                0 => char.ToUpperInvariant(chars[i]),
                1 when chars[i] == 's' => '\u017F',
                1 when chars[i] == 'k' => '\u212A',
                1 when chars[i] == 'i' => random.Next(2) == 0 ? '\u0130' : '\u0131',
                _ => chars[i],
            };
        }

        return new string(chars);
    }

    private sealed class RecordingSink : ISignalSink
    {
        public List<string> Ids { get; } = [];

        public void Emit(Signal signal) => Ids.Add(signal.SourceId);
    }
}
