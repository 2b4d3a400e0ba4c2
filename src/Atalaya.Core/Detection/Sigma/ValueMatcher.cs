using System.Buffers;
using System.Collections.Frozen;
using System.Globalization;

namespace Atalaya.Core.Detection.Sigma;

/// <summary>
/// One compiled test on one field value. Strings are matched as spans (no allocation); numbers
/// that reach a string test are formatted into a stack buffer. Subclasses are sealed so the JIT
/// can devirtualize where it sees the type.
/// </summary>
internal abstract class ValueMatcher
{
    /// <summary>How the rule wrote it, for alert details (e.g. <c>contains 'base64 -d'</c>).</summary>
    public abstract string Describe();

    public abstract bool MatchString(ReadOnlySpan<char> value);

    public virtual bool MatchNumber(long value)
    {
        Span<char> buffer = stackalloc char[24];
        return value.TryFormat(buffer, out var written, default, CultureInfo.InvariantCulture) && MatchString(buffer[..written]);
    }

    /// <summary>Absent (null) field values: only null and exists tests can match them.</summary>
    public virtual bool MatchAbsent() => false;

    /// <summary>
    /// For the literal prefilter: strings of which every string value this matcher accepts contains
    /// at least one (compared ignoring ASCII case), or null when there is no such set (numbers,
    /// regexes, CIDR, exists, an empty value...). See <see cref="PrefilterLiterals"/>.
    /// </summary>
    public virtual string[]? RequiredLiterals() => null;

    /// <summary>Dispatches on the shapes the field catalog returns: string, number, bool, date, string list.</summary>
    public bool Match(object? value)
    {
        switch (value)
        {
            case null:
                return MatchAbsent();
            case string text:
                return text.Length == 0 ? MatchAbsent() || MatchString(text) : MatchString(text);
            case int number:
                return MatchNumber(number);
            case long number:
                return MatchNumber(number);
            case bool flag:
                return MatchString(flag ? "true" : "false");
            case IReadOnlyList<string> list:
                if (list.Count == 0)
                {
                    return MatchAbsent();
                }

                for (var i = 0; i < list.Count; i++)
                {
                    if (MatchString(list[i]))
                    {
                        return true;
                    }
                }

                return false;
            case DateTimeOffset date:
                Span<char> buffer = stackalloc char[40];
                return date.UtcDateTime.TryFormat(buffer, out var written, "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture)
                    && MatchString(buffer[..written]);
            default:
                return MatchString(Convert.ToString(value, CultureInfo.InvariantCulture));
        }
    }

    protected static StringComparison Comparison(bool cased) => cased ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;

    protected static string Quote(string value) => "'" + value + "'";
}

/// <summary>Exact value (no wildcards). Numbers compare as numbers when the value is an integer.</summary>
internal sealed class EqualsMatcher(string literal, bool cased) : ValueMatcher
{
    private readonly long? _number = long.TryParse(literal, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : null;

    public string Literal => literal;

    public bool Cased => cased;

    public override string Describe() => "is " + Quote(literal);

    public override bool MatchString(ReadOnlySpan<char> value) => value.Equals(literal, Comparison(cased));

    public override bool MatchNumber(long value) => _number == value;

    public override bool MatchAbsent() => literal.Length == 0;

    public override string[]? RequiredLiterals() => PrefilterLiterals.Of([literal]);
}

/// <summary>
/// A substring test. Through SearchValues rather than <c>span.Contains(needle, OrdinalIgnoreCase)</c>:
/// with invariant globalization (our build) the latter takes a scalar per-character path, measured
/// at about 1 µs on a 40-character command line against about 30 ns for the vectorized search.
/// </summary>
internal sealed class ContainsMatcher(string needle, bool cased) : ValueMatcher
{
    private readonly SearchValues<string> _needle = SearchValues.Create([needle], Comparison(cased));

    public string Needle => needle;

    public bool Cased => cased;

    public override string Describe() => "contains " + Quote(needle);

    public override bool MatchString(ReadOnlySpan<char> value) => needle.Length == 0 || value.IndexOfAny(_needle) >= 0;

    public override string[]? RequiredLiterals() => PrefilterLiterals.Of([needle]);
}

internal sealed class StartsWithMatcher(string prefix, bool cased) : ValueMatcher
{
    public override string Describe() => "starts with " + Quote(prefix);

    public override bool MatchString(ReadOnlySpan<char> value) => value.StartsWith(prefix, Comparison(cased));

    public override string[]? RequiredLiterals() => PrefilterLiterals.Of([prefix]);
}

internal sealed class EndsWithMatcher(string suffix, bool cased) : ValueMatcher
{
    public string Suffix => suffix;

    public bool Cased => cased;

    public override string Describe() => "ends with " + Quote(suffix);

    public override bool MatchString(ReadOnlySpan<char> value) => value.EndsWith(suffix, Comparison(cased));

    public override string[]? RequiredLiterals() => PrefilterLiterals.Of([suffix]);
}

/// <summary>A lone <c>*</c>: any value, as long as the field is there.</summary>
internal sealed class AnyValueMatcher : ValueMatcher
{
    public override string Describe() => "has any value";

    public override bool MatchString(ReadOnlySpan<char> value) => true;

    public override bool MatchNumber(long value) => true;
}

/// <summary>
/// Many <c>contains</c> values OR-ed together. Case-sensitive sets use one multi-string search
/// (Teddy). Case-insensitive sets run one single-string search per value: measured here, a
/// multi-string ignore-case SearchValues over SigmaHQ's lists fell back to a scalar path costing
/// 20-70 µs per 200-character command line, while N single-string searches cost about N × 30 ns.
/// </summary>
internal sealed class ContainsAnyMatcher : ValueMatcher
{
    private readonly string[] _needles;
    private readonly SearchValues<string>? _all;
    private readonly SearchValues<string>[] _each;

    public ContainsAnyMatcher(IReadOnlyList<string> needles, bool cased)
    {
        _needles = [.. needles];
        if (cased)
        {
            _all = SearchValues.Create(_needles, StringComparison.Ordinal);
            _each = [];
        }
        else
        {
            _each = [.. _needles.Select(n => SearchValues.Create([n], StringComparison.OrdinalIgnoreCase))];
        }
    }

    public override string Describe() => "contains any of " + string.Join(", ", _needles.Select(Quote));

    public override bool MatchString(ReadOnlySpan<char> value)
    {
        if (_all is not null)
        {
            return value.IndexOfAny(_all) >= 0;
        }

        foreach (var needle in _each)
        {
            if (value.IndexOfAny(needle) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    public override string[]? RequiredLiterals() => PrefilterLiterals.Of(_needles);
}

/// <summary>Many exact values OR-ed together: one frozen-set lookup on the span, no allocation.</summary>
internal sealed class EqualsAnyMatcher : ValueMatcher
{
    private readonly FrozenSet<string> _set;
    private readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly long[] _numbers;

    public EqualsAnyMatcher(IReadOnlyList<string> values, bool cased)
    {
        _set = values.ToFrozenSet(cased ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase);
        _lookup = _set.GetAlternateLookup<ReadOnlySpan<char>>();
        _numbers = [.. values.Select(v => long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? (long?)n : null)
            .Where(n => n is not null).Select(n => n!.Value)];
    }

    public override string Describe() => "is one of " + string.Join(", ", _set.Select(Quote));

    public override bool MatchString(ReadOnlySpan<char> value) => _lookup.Contains(value);

    public override bool MatchNumber(long value) => Array.IndexOf(_numbers, value) >= 0;

    public override bool MatchAbsent() => _set.Contains(string.Empty);

    // Numbers are matched as numbers (MatchNumber); the prefilter treats non-string values as unknown.
    public override string[]? RequiredLiterals() => PrefilterLiterals.Of([.. _set]);
}

/// <summary>Many suffixes OR-ed together (the most common shape in SigmaHQ: <c>Image|endswith: [...]</c>).</summary>
internal sealed class EndsWithAnyMatcher(IReadOnlyList<string> suffixes, bool cased) : ValueMatcher
{
    private readonly string[] _suffixes = [.. suffixes];
    private readonly StringComparison _comparison = Comparison(cased);

    // Most suffix lists are file names after a slash: checking the last character first
    // rejects almost every value without a full comparison.
    private readonly SearchValues<char> _lastChars = SearchValues.Create(
        [.. suffixes.Where(s => s.Length > 0).SelectMany(s => cased ? [s[^1]] : new[] { char.ToLowerInvariant(s[^1]), char.ToUpperInvariant(s[^1]) }).Distinct()]);

    private readonly bool _hasEmpty = suffixes.Any(s => s.Length == 0);

    public override string Describe() => "ends with any of " + string.Join(", ", _suffixes.Select(Quote));

    public override bool MatchString(ReadOnlySpan<char> value)
    {
        if (_hasEmpty)
        {
            return true;
        }

        if (value.IsEmpty || !_lastChars.Contains(value[^1]))
        {
            return false;
        }

        foreach (var suffix in _suffixes)
        {
            if (value.EndsWith(suffix, _comparison))
            {
                return true;
            }
        }

        return false;
    }

    public override string[]? RequiredLiterals() => PrefilterLiterals.Of(_suffixes);
}

/// <summary>
/// A wildcard pattern that is not a plain prefix/suffix/contains: segments between stars are
/// matched left to right (the leftmost match of each middle segment is always safe), the first
/// and last segments anchored. <c>?</c> inside a segment matches exactly one character. Linear in
/// practice, never exponential: no backtracking across segments.
/// </summary>
internal sealed class WildcardMatcher : ValueMatcher
{
    private readonly Segment[] _segments;
    private readonly bool _anchoredStart;
    private readonly bool _anchoredEnd;
    private readonly bool _cased;
    private readonly string _text;

    public WildcardMatcher(SigmaPattern pattern, bool cased)
    {
        _text = pattern.ToString();
        _cased = cased;
        var items = pattern.Items;
        _anchoredStart = items.Count == 0 || items[0] != SigmaPattern.Star;
        _anchoredEnd = items.Count == 0 || items[^1] != SigmaPattern.Star;
        var segments = new List<Segment>();
        var current = new List<int>();
        foreach (var item in items)
        {
            if (item == SigmaPattern.Star)
            {
                if (current.Count > 0)
                {
                    segments.Add(new Segment([.. current]));
                    current.Clear();
                }
            }
            else
            {
                current.Add(item);
            }
        }

        if (current.Count > 0)
        {
            segments.Add(new Segment([.. current]));
        }

        _segments = [.. segments];
    }

    public override string Describe() => "matches " + Quote(_text);

    // Every segment must occur; the longest is the most selective.
    public override string[]? RequiredLiterals() =>
        _segments.Select(s => PrefilterLiterals.LongestAsciiRun(s.Items)).MaxBy(l => l.Length) is { Length: > 0 } best ? [best] : null;

    public override bool MatchString(ReadOnlySpan<char> value)
    {
        var position = 0;
        var end = value.Length;
        var first = 0;
        var last = _segments.Length;
        if (_segments.Length == 0)
        {
            return !(_anchoredStart && _anchoredEnd) || value.IsEmpty;
        }

        if (_anchoredStart)
        {
            var head = _segments[0];
            if (head.Length > value.Length || !head.MatchAt(value, 0, _cased))
            {
                return false;
            }

            position = head.Length;
            first = 1;
            if (_segments.Length == 1 && _anchoredEnd)
            {
                return position == value.Length;
            }
        }

        if (_anchoredEnd && last > first)
        {
            var tail = _segments[^1];
            if (tail.Length > end - position || !tail.MatchAt(value, end - tail.Length, _cased))
            {
                return false;
            }

            end -= tail.Length;
            last--;
        }

        for (var s = first; s < last; s++)
        {
            var found = _segments[s].IndexIn(value[..end], position, _cased);
            if (found < 0)
            {
                return false;
            }

            position = found + _segments[s].Length;
        }

        return true;
    }

    private sealed class Segment
    {
        private readonly int[] _items;
        private readonly string? _plain;
        private readonly SearchValues<string>? _plainIgnoreCase;

        public Segment(int[] items)
        {
            _items = items;
            if (!items.Contains(SigmaPattern.One))
            {
                _plain = new string([.. items.Select(c => (char)c)]);
                // See ContainsMatcher: the vectorized search, not the invariant-mode scalar IndexOf.
                _plainIgnoreCase = SearchValues.Create([_plain], StringComparison.OrdinalIgnoreCase);
            }
        }

        public int Length => _items.Length;

        public int[] Items => _items;

        public bool MatchAt(ReadOnlySpan<char> value, int at, bool cased)
        {
            if (_plain is not null)
            {
                return value.Slice(at, _plain.Length).Equals(_plain, Comparison(cased));
            }

            for (var i = 0; i < _items.Length; i++)
            {
                var expected = _items[i];
                if (expected == SigmaPattern.One)
                {
                    continue;
                }

                var actual = value[at + i];
                if (actual != expected && (cased || char.ToUpperInvariant(actual) != char.ToUpperInvariant((char)expected)))
                {
                    return false;
                }
            }

            return true;
        }

        public int IndexIn(ReadOnlySpan<char> value, int from, bool cased)
        {
            if (_plain is not null)
            {
                var index = cased ? value[from..].IndexOf(_plain, StringComparison.Ordinal) : value[from..].IndexOfAny(_plainIgnoreCase!);
                return index < 0 ? -1 : from + index;
            }

            for (var at = from; at + _items.Length <= value.Length; at++)
            {
                if (MatchAt(value, at, cased))
                {
                    return at;
                }
            }

            return -1;
        }
    }
}

/// <summary><c>field: null</c>: the field is absent or empty.</summary>
internal sealed class NullMatcher : ValueMatcher
{
    public override string Describe() => "is empty";

    public override bool MatchString(ReadOnlySpan<char> value) => value.IsEmpty;

    public override bool MatchNumber(long value) => false;

    public override bool MatchAbsent() => true;
}

/// <summary><c>field|exists: true|false</c>.</summary>
internal sealed class ExistsMatcher(bool expected) : ValueMatcher
{
    public override string Describe() => expected ? "exists" : "does not exist";

    public override bool MatchString(ReadOnlySpan<char> value) => expected;

    public override bool MatchNumber(long value) => expected;

    public override bool MatchAbsent() => !expected;
}

/// <summary><c>gt</c>, <c>gte</c>, <c>lt</c>, <c>lte</c>: numeric comparisons; a non-numeric field value never matches.</summary>
internal sealed class CompareMatcher(string modifier, double bound) : ValueMatcher
{
    public override string Describe() => $"{modifier} {bound.ToString(CultureInfo.InvariantCulture)}";

    public override bool MatchString(ReadOnlySpan<char> value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && Compare(number);

    public override bool MatchNumber(long value) => Compare(value);

    private bool Compare(double value) => modifier switch
    {
        "gt" => value > bound,
        "gte" => value >= bound,
        "lt" => value < bound,
        _ => value <= bound,
    };
}
