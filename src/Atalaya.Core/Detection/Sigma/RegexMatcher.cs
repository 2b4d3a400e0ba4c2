using System.Text.RegularExpressions;

namespace Atalaya.Core.Detection.Sigma;

/// <summary>
/// Sigma's <c>|re</c> modifier. The pattern runs on .NET's non-backtracking engine (linear time
/// in the input: <c>(a+)+$</c> on 100 KiB cannot hang the agent). Patterns that engine refuses
/// (backreferences, lookarounds, atomic groups) fall back to the backtracking engine with a match
/// timeout; a timed-out match counts as no match and is counted.
/// </summary>
internal sealed class RegexMatcher : ValueMatcher
{
    public static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(100);

    private static long _timeouts;

    // Per thread, so the analytic (one engine thread) can tell which rule's evaluation timed out
    // by comparing before and after, without the matcher knowing its rule.
    [ThreadStatic]
    private static long _threadTimeouts;

    private readonly Regex _regex;
    private readonly string _pattern;

    private RegexMatcher(Regex regex, string pattern, bool nonBacktracking)
    {
        _regex = regex;
        _pattern = pattern;
        NonBacktracking = nonBacktracking;
    }

    /// <summary>Matches abandoned at the timeout, process-wide (only backtracking fallbacks can time out).</summary>
    public static long Timeouts => Interlocked.Read(ref _timeouts);

    /// <summary>Timeouts on the calling thread since it started.</summary>
    internal static long ThreadTimeouts => _threadTimeouts;

    public bool NonBacktracking { get; }

    /// <summary>Compiles the pattern or throws <see cref="SigmaCompileException"/> (SIGMA005).</summary>
    public static RegexMatcher Create(string pattern, bool ignoreCase, bool multiline, bool singleline)
    {
        var options = RegexOptions.CultureInvariant | (ignoreCase ? RegexOptions.IgnoreCase : 0)
            | (multiline ? RegexOptions.Multiline : 0) | (singleline ? RegexOptions.Singleline : 0);
        try
        {
            return new RegexMatcher(new Regex(pattern, options | RegexOptions.NonBacktracking), pattern, true);
        }
        catch (NotSupportedException)
        {
            // Constructs only a backtracking engine can run; bounded by the timeout instead.
        }
        catch (ArgumentException ex)
        {
            throw new SigmaCompileException(SigmaCodes.Regex, $"invalid regular expression '{pattern}': {ex.Message}", 0);
        }

        try
        {
            return new RegexMatcher(new Regex(pattern, options, Timeout), pattern, false);
        }
        catch (ArgumentException ex)
        {
            throw new SigmaCompileException(SigmaCodes.Regex, $"invalid regular expression '{pattern}': {ex.Message}", 0);
        }
    }

    public override string Describe() => "matches the regular expression " + Quote(_pattern);

    public override bool MatchString(ReadOnlySpan<char> value)
    {
        try
        {
            return _regex.IsMatch(value);
        }
        catch (RegexMatchTimeoutException)
        {
            Interlocked.Increment(ref _timeouts);
            _threadTimeouts++;
            return false;
        }
    }
}
