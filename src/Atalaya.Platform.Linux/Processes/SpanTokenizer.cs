using System.Globalization;

namespace Atalaya.Platform.Linux.Processes;

/// <summary>
/// Forward-only reader of whitespace-separated tokens over a span: what the /proc parsers need
/// instead of <c>string.Split</c> (no allocation, and a short read just ends the token stream).
/// </summary>
internal ref struct SpanTokenizer
{
    private ReadOnlySpan<char> _rest;

    public SpanTokenizer(ReadOnlySpan<char> text) => _rest = text;

    public ReadOnlySpan<char> Rest => _rest;

    /// <summary>Next run of non-separator characters; separators are space and tab (and nothing else).</summary>
    public bool TryNext(out ReadOnlySpan<char> token)
    {
        var start = 0;
        while (start < _rest.Length && IsSeparator(_rest[start]))
        {
            start++;
        }

        if (start == _rest.Length)
        {
            token = default;
            _rest = default;
            return false;
        }

        var end = start;
        while (end < _rest.Length && !IsSeparator(_rest[end]))
        {
            end++;
        }

        token = _rest[start..end];
        _rest = _rest[end..];
        return true;
    }

    public bool Skip(int count)
    {
        for (var i = 0; i < count; i++)
        {
            if (!TryNext(out _))
            {
                return false;
            }
        }

        return true;
    }

    public bool TryNextUInt64(out ulong value)
    {
        value = 0;
        return TryNext(out var token) && ulong.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    public bool TryNextInt64(out long value)
    {
        value = 0;
        return TryNext(out var token) && long.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    public bool TryNextInt32(out int value)
    {
        value = 0;
        return TryNext(out var token) && int.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    public bool TryNextUInt32(out uint value)
    {
        value = 0;
        return TryNext(out var token) && uint.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    private static bool IsSeparator(char c) => c is ' ' or '\t' or '\n';
}
