using Atalaya.Core.Detection.Sigma;
using Xunit.Abstractions;

namespace Atalaya.Core.Tests.Sigma;

/// <summary>The real SigmaHQ Linux corpus (210 rules); skips cleanly when the shared folder is absent.</summary>
public sealed class SigmaHqCorpusTests(ITestOutputHelper output)
{
    [SigmaCorpusFact]
    public void Every_rule_loads_with_a_status_and_every_non_ok_rule_has_a_coded_reason()
    {
        var root = SigmaCorpus.SigmaHqLinux()!;

        var results = SigmaCorpus.Load(root, SigmaRuleSource.External);
        Assert.Equal(210, results.Count);
        foreach (var folder in results.GroupBy(r => Folder(root, r.Path)).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"{folder.Key}: {folder.Count()} rules, ok {folder.Count(r => r.Status == SigmaLoadStatus.Ok)}, " +
                             $"skipped {folder.Count(r => r.Status == SigmaLoadStatus.Skipped)}, error {folder.Count(r => r.Status == SigmaLoadStatus.Error)}");
            foreach (var reason in folder.Where(r => r.Status != SigmaLoadStatus.Ok).GroupBy(r => r.Code + " " + r.Message).OrderByDescending(g => g.Count()))
            {
                output.WriteLine($"    {reason.Count(),3} × {reason.Key}");
            }
        }

        Assert.All(results.Where(r => r.Status != SigmaLoadStatus.Ok), r =>
        {
            Assert.False(string.IsNullOrEmpty(r.Code), r.Path);
            Assert.False(string.IsNullOrEmpty(r.Reason), r.Path);
        });
        Assert.All(results.Where(r => r.Status == SigmaLoadStatus.Ok), r =>
        {
            Assert.NotNull(r.Rule);
            Assert.Equal(SigmaRuleSource.SigmaHqLicense, r.Rule!.License);
            Assert.False(string.IsNullOrEmpty(r.Rule.Author), r.Path);
        });
        Assert.DoesNotContain(results, r => r.Status == SigmaLoadStatus.Error);
    }

    private static string Folder(string root, string path)
    {
        var relative = Path.GetRelativePath(root, Path.GetDirectoryName(path)!);
        return relative == "." ? "(top)" : relative;
    }
}
