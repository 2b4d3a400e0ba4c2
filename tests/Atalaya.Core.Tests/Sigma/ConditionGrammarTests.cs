using Atalaya.Core.Detection.Sigma;

namespace Atalaya.Core.Tests.Sigma;

/// <summary>The condition grammar: precedence, parentheses, quantifiers, and its errors.</summary>
public sealed class ConditionGrammarTests
{
    // Three searches over one command line: a = contains 'alpha', b = 'beta', c = 'gamma'.
    private const string Searches = """
        sel_a:
            CommandLine|contains: alpha
        sel_b:
            CommandLine|contains: beta
        filter_c:
            CommandLine|contains: gamma
        """;

    [Theory]
    [InlineData("sel_a", "alpha", true)]
    [InlineData("sel_a and sel_b", "alpha", false)]
    [InlineData("sel_a and sel_b", "alpha beta", true)]
    [InlineData("sel_a or sel_b", "beta", true)]
    [InlineData("not sel_a", "beta", true)]
    [InlineData("not sel_a", "alpha", false)]
    // not > and > or: "not a and b" is "(not a) and b"; "a or b and c" is "a or (b and c)".
    [InlineData("not sel_a and sel_b", "beta", true)]
    [InlineData("not sel_a and sel_b", "alpha beta", false)]
    [InlineData("sel_a or sel_b and filter_c", "alpha", true)]
    [InlineData("sel_a or sel_b and filter_c", "beta", false)]
    [InlineData("(sel_a or sel_b) and filter_c", "alpha", false)]
    [InlineData("(sel_a or sel_b) and filter_c", "alpha gamma", true)]
    [InlineData("not (sel_a or sel_b)", "gamma", true)]
    [InlineData("not not sel_a", "alpha", true)]
    [InlineData("1 of sel_*", "beta", true)]
    [InlineData("all of sel_*", "beta", false)]
    [InlineData("all of sel_*", "beta alpha", true)]
    [InlineData("1 of them", "gamma", true)]
    [InlineData("all of them", "alpha beta", false)]
    [InlineData("all of them", "alpha beta gamma", true)]
    [InlineData("any of sel*", "alpha", true)]
    [InlineData("2 of them", "alpha gamma", true)]
    [InlineData("2 of them", "gamma", false)]
    [InlineData("1 of sel_* and not 1 of filter_*", "alpha", true)]
    [InlineData("1 of sel_* and not 1 of filter_*", "alpha gamma", false)]
    [InlineData("sel_a AND NOT filter_c", "alpha", true)]
    [InlineData("((((sel_a))))", "alpha", true)]
    public void Conditions_follow_the_specification(string condition, string commandLine, bool expected)
    {
        var rule = SigmaTestRules.Compile(Searches + "\ncondition: " + condition);
        Assert.Equal(expected, rule.Matches(SigmaTestRules.Process(commandLine)));
    }

    [Fact]
    public void A_list_of_conditions_is_their_or()
    {
        var rule = SigmaTestRules.Compile(Searches + "\ncondition:\n    - sel_a\n    - sel_b");
        Assert.True(rule.Matches(SigmaTestRules.Process("beta")));
        Assert.False(rule.Matches(SigmaTestRules.Process("gamma")));
    }

    [Theory]
    [InlineData("sel_a and", SigmaCodes.Condition, "expected a search identifier")]
    [InlineData("(sel_a", SigmaCodes.Condition, "expected ')'")]
    [InlineData("sel_a)", SigmaCodes.Condition, "unexpected ')'")]
    [InlineData("sel_a sel_b", SigmaCodes.Condition, "unexpected 'sel_b'")]
    [InlineData("sel_*", SigmaCodes.Condition, "has a wildcard")]
    [InlineData("1 of", SigmaCodes.Condition, "after '1 of'")]
    [InlineData("selection", SigmaCodes.UnknownIdentifier, "'selection'")]
    [InlineData("1 of nothing_*", SigmaCodes.UnknownIdentifier, "matches no search identifier")]
    [InlineData("sel_a | count() > 5", SigmaCodes.Condition, "correlation rule")]
    [InlineData("and", SigmaCodes.Condition, "expected a search identifier")]
    public void Broken_conditions_are_coded_errors_with_the_line(string condition, string code, string message)
    {
        var result = SigmaTestRules.LoadOne(Searches + "\ncondition: " + condition);
        Assert.Equal(SigmaLoadStatus.Error, result.Status);
        Assert.Equal(code, result.Code);
        Assert.Contains(message, result.Message, StringComparison.Ordinal);
        Assert.Equal(19, result.Line); // the condition's line in the generated rule
        Assert.StartsWith(code + " ", result.Reason, StringComparison.Ordinal);
        Assert.EndsWith(" at line 19", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Nesting_is_bounded_and_long_chains_do_not_overflow_the_stack()
    {
        var deep = new string('(', 10_000) + "sel_a" + new string(')', 10_000);
        var result = SigmaTestRules.LoadOne(Searches + "\ncondition: '" + deep + "'");
        Assert.Equal(SigmaCodes.Condition, result.Code);
        Assert.Contains("nested", result.Message, StringComparison.Ordinal);

        var nots = string.Concat(Enumerable.Repeat("not ", 10_000)) + "sel_a";
        Assert.Equal(SigmaCodes.Condition, SigmaTestRules.LoadOne(Searches + "\ncondition: " + nots).Code);

        // A flat chain of 20,000 'and's is legal and evaluates iteratively.
        var chain = string.Join(" and ", Enumerable.Repeat("sel_a", 20_000));
        var rule = SigmaTestRules.Compile(Searches + "\ncondition: " + chain);
        Assert.True(rule.Matches(SigmaTestRules.Process("alpha")));
        Assert.False(rule.Matches(SigmaTestRules.Process("beta")));
    }

    [Fact]
    public void Underscore_searches_are_not_part_of_them()
    {
        var rule = SigmaTestRules.Compile("sel:\n    CommandLine|contains: alpha\n_helper:\n    CommandLine|contains: nope\ncondition: all of them");
        Assert.True(rule.Matches(SigmaTestRules.Process("alpha")));
    }
}
