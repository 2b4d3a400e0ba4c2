using System.Diagnostics;
using Atalaya.Core.Detection.Sigma;

namespace Atalaya.Core.Tests.Sigma;

/// <summary>Bad rules are reported per rule with a code, file and line; none of them crash or hang the engine.</summary>
public sealed class HostileRuleTests
{
    [Theory]
    [InlineData("title: x\ndetection: [unclosed", SigmaCodes.Yaml, 3)] // found at the end of input
    [InlineData("title: x\n  bad: indentation\n", SigmaCodes.Yaml, 2)]
    [InlineData("title: x\ntitle: again\n", SigmaCodes.Yaml, 2)]
    [InlineData("- just\n- a list\n", SigmaCodes.Structure, 1)]
    [InlineData("title: x\nlogsource: {category: process_creation}\n", SigmaCodes.Structure, 1)]
    [InlineData("title: x\nlogsource: {category: process_creation}\ndetection:\n    sel: {Image: x}\n", SigmaCodes.Structure, 4)]
    [InlineData("title: x\nlevel: severe\nlogsource: {category: process_creation}\ndetection: {sel: {Image: x}, condition: sel}\n", SigmaCodes.Metadata, 2)]
    [InlineData("title: x\nstatus: done\nlogsource: {category: process_creation}\ndetection: {sel: {Image: x}, condition: sel}\n", SigmaCodes.Metadata, 2)]
    [InlineData("logsource: {category: process_creation}\ndetection: {sel: {Image: x}, condition: sel}\n", SigmaCodes.Structure, 1)]
    [InlineData("title: x\nlogsource: {category: process_creation}\ndetection:\n    sel:\n        Image|foo: x\n    condition: sel\n", SigmaCodes.UnknownModifier, 5)]
    [InlineData("title: x\nlogsource: {category: process_creation}\ndetection:\n    sel:\n        Image|expand: '%x%'\n    condition: sel\n", SigmaCodes.UnknownModifier, 5)]
    [InlineData("title: x\nlogsource: {category: process_creation}\ndetection:\n    sel:\n        Image|i: x\n    condition: sel\n", SigmaCodes.UnknownModifier, 5)]
    [InlineData("title: x\nlogsource: {category: process_creation}\ndetection:\n    sel:\n        Image|re: '(unclosed'\n    condition: sel\n", SigmaCodes.Regex, 5)]
    [InlineData("title: x\nlogsource: {category: network_connection}\ndetection:\n    sel:\n        DestinationIp|cidr: 10.0.0.0/33\n    condition: sel\n", SigmaCodes.Value, 5)]
    [InlineData("title: x\nlogsource: {category: network_connection}\ndetection:\n    sel:\n        DestinationPort|gt: many\n    condition: sel\n", SigmaCodes.Value, 5)]
    [InlineData("title: x\nlogsource: {category: process_creation}\ndetection:\n    sel:\n        CommandLine|base64: 'a*b'\n    condition: sel\n", SigmaCodes.Value, 5)]
    [InlineData("title: x\nlogsource: {category: process_creation}\ndetection:\n    sel:\n        CommandLine|utf16le: 'ab'\n    condition: sel\n", SigmaCodes.Value, 5)]
    [InlineData("title: x\nlogsource: {category: process_creation}\ndetection:\n    sel:\n        CommandLine|contains|startswith: 'ab'\n    condition: sel\n", SigmaCodes.Value, 5)]
    [InlineData("title: x\nlogsource: {category: process_creation}\ndetection:\n    sel:\n        CommandLine|exists: maybe\n    condition: sel\n", SigmaCodes.Value, 5)]
    [InlineData("title: x\nlogsource: {category: process_creation}\ndetection:\n    sel:\n        CommandLine:\n            nested: map\n    condition: sel\n", SigmaCodes.Structure, 6)]
    [InlineData("title: x\nlogsource: {category: process_creation}\ndetection:\n    sel: []\n    condition: sel\n", SigmaCodes.Structure, 4)]
    [InlineData("title: x\nlogsource: {category: process_creation}\ndetection:\n    sel:\n        CommandLine|contains: null\n    condition: sel\n", SigmaCodes.Value, 5)]
    public void Invalid_rules_are_errors_with_code_and_line(string yaml, string code, int? line)
    {
        var result = Assert.Single(SigmaRuleLoader.Load("/rules/bad.yml", yaml, SigmaRuleSource.External));
        Assert.Equal(SigmaLoadStatus.Error, result.Status);
        Assert.Null(result.Rule);
        Assert.Equal(code, result.Code);
        Assert.Equal(line, result.Line);
        Assert.Equal("/rules/bad.yml", result.Path);
        Assert.StartsWith(code + " ", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_unknown_modifier_reason_reads_as_documented()
    {
        var result = SigmaTestRules.LoadOne("selection:\n    CommandLine|foo: x\ncondition: selection");
        Assert.Equal("SIGMA004 unknown modifier 'foo' at line 14", result.Reason);
    }

    [Theory]
    [InlineData("logsource:\n    product: linux\n    service: auditd", SigmaCodes.UnmappedField, "field CommandLine of auditd EXECVE records")]
    [InlineData("logsource:\n    product: linux", SigmaCodes.LogSourceNotCollected, "raw log lines")]
    [InlineData("logsource:\n    product: windows\n    category: process_creation", SigmaCodes.LogSourceNotCollected, "product windows")]
    [InlineData("logsource:\n    category: registry_set", SigmaCodes.LogSourceNotCollected, "category registry_set")]
    [InlineData("status: deprecated\nlogsource:\n    category: process_creation", SigmaCodes.Retired, "status deprecated")]
    [InlineData("logsource:\n    category: process_creation\nfields: [x]\ncorrelation:\n    type: temporal\n    aliases: { ip: { a: source.ip } }", SigmaCodes.Correlation, "correlation field aliases are not supported yet")]
    public void Valid_rules_the_agent_cannot_feed_are_skipped_with_the_reason(string header, string code, string reason)
    {
        var yaml = $"title: x\nid: skip-me\n{header}\ndetection:\n    sel:\n        CommandLine: x\n    condition: sel\n";
        var result = Assert.Single(SigmaRuleLoader.Load("r.yml", yaml, SigmaRuleSource.External));
        Assert.Equal(SigmaLoadStatus.Skipped, result.Status);
        Assert.Equal(code, result.Code);
        Assert.Contains(reason, result.Message, StringComparison.Ordinal);
        Assert.Equal("skip-me", result.Id);
    }

    [Fact]
    public void A_field_without_mapping_skips_the_rule_and_names_the_field()
    {
        var result = SigmaTestRules.LoadOne("selection:\n    OriginalFileName: x.exe\n    Hashes|contains: abc\n    Image: x\ncondition: selection");
        Assert.Equal(SigmaLoadStatus.Skipped, result.Status);
        Assert.Equal(SigmaCodes.UnmappedField, result.Code);
        Assert.Equal("field OriginalFileName has no mapping (also Hashes)", result.Message);
        Assert.Equal(14, result.Line);
    }

    [Fact]
    public void Errors_inside_a_skipped_logsource_are_still_errors()
    {
        var yaml = "title: x\nlogsource: {service: auditd}\ndetection:\n    sel:\n        a0|bogus: x\n    condition: sel\n";
        Assert.Equal(SigmaCodes.UnknownModifier, Assert.Single(SigmaRuleLoader.Load("r.yml", yaml, SigmaRuleSource.External)).Code);
    }

    [Fact]
    public void Several_documents_load_separately_and_duplicate_ids_are_errors()
    {
        const string doc = "title: x\nid: same\nlogsource: {category: process_creation}\ndetection: {sel: {Image: x}, condition: sel}\n";
        var results = SigmaRuleLoader.Load("multi.yml", doc + "---\n" + doc, SigmaRuleSource.External);
        Assert.Equal(2, results.Count);
        var set = SigmaRuleSet.Create(results);
        Assert.Equal(1, set.Count(SigmaLoadStatus.Ok));
        Assert.Contains("duplicate id same", set.Results[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Oversized_files_are_refused_before_parsing()
    {
        var huge = "title: " + new string('x', SigmaRuleLoader.MaxFileChars);
        var result = Assert.Single(SigmaRuleLoader.Load("huge.yml", huge, SigmaRuleSource.External));
        Assert.Equal(SigmaCodes.Yaml, result.Code);
    }

    [Fact]
    public void Catastrophic_regexes_run_in_linear_time_on_huge_values()
    {
        var rule = SigmaTestRules.Compile("selection:\n    CommandLine|re: '(a+)+$'\ncondition: selection");
        var hostile = new string('a', 100 * 1024) + "!";
        var clock = Stopwatch.StartNew();
        Assert.False(rule.Matches(SigmaTestRules.Process(hostile)));
        Assert.True(rule.Matches(SigmaTestRules.Process(new string('a', 100 * 1024))));
        // Not a timing assertion on the engine: a backtracking engine would take longer than the
        // age of the universe here; finishing at all is the property under test.
        Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1));
    }

    [Fact]
    public void Backtracking_only_patterns_fall_back_with_a_timeout_and_count_it()
    {
        // A backreference forces the backtracking engine; on this input it explodes and must time out.
        var rule = SigmaTestRules.Compile("selection:\n    CommandLine|re: '^(a+)+\\1b$'\ncondition: selection");
        var before = RegexMatcher.Timeouts;
        Assert.False(rule.Matches(SigmaTestRules.Process(new string('a', 5000) + "c")));
        Assert.True(RegexMatcher.Timeouts > before);
    }

    [Fact]
    public void Huge_field_values_and_hostile_wildcards_are_matched_without_trouble()
    {
        var rule = SigmaTestRules.Compile("""
            selection:
                CommandLine:
                    - '*a*a*a*a*a*a*a*a*a*a*b'
                    - '?*?*?*?*?*?*?*?*?*?*?*c'
            condition: selection
            """);
        var huge = new string('a', 1024 * 1024);
        Assert.False(rule.Matches(SigmaTestRules.Process(huge)));
        Assert.True(rule.Matches(SigmaTestRules.Process(huge + "b")));
        Assert.True(rule.Matches(SigmaTestRules.Process(huge + "c")));
        Assert.False(rule.Matches(SigmaTestRules.Process("abc")));
    }

    [Fact]
    public void Too_many_values_in_one_rule_are_refused()
    {
        var values = string.Join("\n", Enumerable.Range(0, DetectionCompiler.MaxValues + 1).Select(i => $"        - v{i}"));
        var result = SigmaTestRules.LoadOne("selection:\n    CommandLine:\n" + values + "\ncondition: selection");
        Assert.Equal(SigmaCodes.Value, result.Code);
    }
}
