using Atalaya.Core.Detection.Sigma;
using Xunit.Abstractions;

namespace Atalaya.Core.Tests.Sigma;

/// <summary>The project's own rules in rules/sigma: all compile, carry attribution and ATT&amp;CK ids, and pass their cases.</summary>
public sealed class OwnRulePackTests(ITestOutputHelper output)
{
    public static TheoryData<string> CaseFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(SigmaCorpus.OwnPack(), "*.cases.yaml").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Fact]
    public void Every_rule_compiles_with_author_license_techniques_and_a_cases_file()
    {
        var results = SigmaCorpus.Load(SigmaCorpus.OwnPack(), SigmaRuleSource.Shipped);
        Assert.True(results.Count >= 15, $"only {results.Count} rules in rules/sigma");
        Assert.All(results, r =>
        {
            Assert.True(r.Status == SigmaLoadStatus.Ok, $"{r.Path}: {r.Reason}");
            Assert.True(File.Exists(Path.ChangeExtension(r.Path, null) + ".cases.yaml"), $"{r.Path} has no .cases.yaml");
            if (r.Correlation is { } correlation)
            {
                Assert.Equal("Atalaya", correlation.Author);
                Assert.Equal("Atalaya", correlation.License);
                Assert.NotEmpty(correlation.Techniques);
                return;
            }

            Assert.Equal("Atalaya", r.Rule!.Author);
            Assert.Equal("Atalaya", r.Rule.License);
            Assert.NotEmpty(r.Rule.Techniques);
            Assert.NotEqual(SigmaEventKind.NotCollected, r.Rule.EventKind);
        });
        var set = SigmaRuleSet.Create(results);
        Assert.All(set.Results, r => Assert.True(r.Status == SigmaLoadStatus.Ok, $"{r.Path}: {r.Reason}"));
        Assert.Contains(set.Correlations, c => c.Title == "SSH password guessing against one account from many addresses");
        Assert.Equal(results.Count, results.Select(r => r.Id).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(CaseFiles))]
    public void Cases_pass(string casesFile)
    {
        var path = Path.Combine(SigmaCorpus.OwnPack(), casesFile);
        var cases = SigmaCaseFile.Parse(path, File.ReadAllText(path));
        var rules = SigmaRuleSet.Create(cases.RuleFiles.SelectMany(f =>
        {
            var rulePath = Path.Combine(SigmaCorpus.OwnPack(), f);
            return SigmaRuleLoader.Load(rulePath, File.ReadAllText(rulePath), SigmaRuleSource.Shipped);
        }));
        Assert.All(rules.Results, r => Assert.True(r.Status == SigmaLoadStatus.Ok, r.Reason));

        var results = cases.Run(rules);
        Assert.True(results.Count >= 2, "every rule needs a case that fires and one that does not");
        Assert.Contains(results, r => r.Case.Expect.Count > 0);
        Assert.Contains(results, r => r.Case.Expect.Count == 0);
        foreach (var result in results)
        {
            output.WriteLine($"{(result.Passed ? "pass" : "FAIL")} {result.Case.Name}: matched [{string.Join(", ", result.Matched)}]");
        }

        Assert.All(results, r => Assert.True(r.Passed, $"{r.Case.Name}: expected [{string.Join(", ", r.Case.Expect)}], matched [{string.Join(", ", r.Matched)}]"));
    }
}
