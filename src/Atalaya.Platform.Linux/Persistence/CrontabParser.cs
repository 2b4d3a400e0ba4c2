namespace Atalaya.Platform.Linux.Persistence;

/// <summary>
/// crontab(5) lines as Debian's cron reads them. System crontabs (/etc/crontab, /etc/cron.d/*) have a
/// user column after the schedule; user spools do not. Pure: takes text, never a path.
/// </summary>
public static class CrontabParser
{
    private static readonly string[] Keywords =
        ["@reboot", "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];

    /// <summary>Blank lines and comments: not entries, not errors.</summary>
    public static bool IsIgnorable(ReadOnlySpan<char> line)
    {
        var trimmed = line.TrimStart(" \t");
        return trimmed.IsEmpty || trimmed[0] == '#';
    }

    /// <summary>All jobs and environment lines; lines cron would reject are counted in <paramref name="malformedLines"/>.</summary>
    public static IReadOnlyList<CrontabLine> Parse(ReadOnlySpan<char> text, bool systemFormat, out int malformedLines)
    {
        var result = new List<CrontabLine>();
        malformedLines = 0;
        var lines = new TextLines(text);
        while (lines.TryNext(out var line))
        {
            if (IsIgnorable(line))
            {
                continue;
            }

            if (TryParseLine(line, systemFormat, out var parsed))
            {
                result.Add(parsed);
            }
            else
            {
                malformedLines++;
            }
        }

        return result;
    }

    public static bool TryParseLine(ReadOnlySpan<char> line, bool systemFormat, out CrontabLine value)
    {
        value = null!;
        var rest = line.Trim(" \t");
        if (rest.IsEmpty || rest[0] == '#')
        {
            return false;
        }

        string schedule;
        if (rest[0] == '@')
        {
            var end = rest.IndexOfAny(' ', '\t');
            if (end < 0)
            {
                return false;
            }

            var keyword = rest[..end];
            if (!IsKeyword(keyword))
            {
                return false;
            }

            schedule = keyword.ToString();
            rest = rest[end..];
        }
        else if (char.IsAsciiDigit(rest[0]) || rest[0] == '*')
        {
            Span<Range> fields = stackalloc Range[5];
            var offset = 0;
            for (var i = 0; i < 5; i++)
            {
                var remaining = rest[offset..];
                var skip = remaining.Length - remaining.TrimStart(" \t").Length;
                var start = offset + skip;
                var length = rest[start..].IndexOfAny(' ', '\t');
                if (length <= 0)
                {
                    return false;
                }

                if (!IsTimeField(rest.Slice(start, length)))
                {
                    return false;
                }

                fields[i] = start..(start + length);
                offset = start + length;
            }

            schedule = string.Join(' ', rest[fields[0]].ToString(), rest[fields[1]].ToString(), rest[fields[2]].ToString(),
                rest[fields[3]].ToString(), rest[fields[4]].ToString());
            rest = rest[offset..];
        }
        else
        {
            return TryParseEnvironment(rest, out value);
        }

        string? user = null;
        rest = rest.TrimStart(" \t");
        if (systemFormat)
        {
            var end = rest.IndexOfAny(' ', '\t');
            if (end <= 0)
            {
                return false;
            }

            user = rest[..end].ToString();
            rest = rest[end..].TrimStart(" \t");
        }

        if (rest.IsEmpty)
        {
            return false;
        }

        value = new CrontabLine { IsEnvironment = false, Schedule = schedule, User = user, Command = rest.ToString() };
        return true;
    }

    /// <summary>
    /// <c>name = value</c> as cron's load_env reads it: spaces around '=' allowed, a value in matching
    /// single or double quotes is unquoted. A name with spaces is not an assignment.
    /// </summary>
    private static bool TryParseEnvironment(ReadOnlySpan<char> line, out CrontabLine value)
    {
        value = null!;
        var equals = line.IndexOf('=');
        if (equals <= 0)
        {
            return false;
        }

        var name = line[..equals].Trim(" \t");
        if (name.IsEmpty || name.IndexOfAny(' ', '\t') >= 0)
        {
            return false;
        }

        var raw = line[(equals + 1)..].Trim(" \t");
        if (raw.Length >= 2 && (raw[0] == '"' || raw[0] == '\'') && raw[^1] == raw[0])
        {
            raw = raw[1..^1];
        }

        value = new CrontabLine { IsEnvironment = true, Name = name.ToString(), Command = raw.ToString() };
        return true;
    }

    private static bool IsKeyword(ReadOnlySpan<char> token)
    {
        foreach (var keyword in Keywords)
        {
            if (token.Equals(keyword, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Digits, '*', ',', '-', '/', and month or weekday names (jan, mon...).</summary>
    private static bool IsTimeField(ReadOnlySpan<char> token)
    {
        foreach (var c in token)
        {
            if (!(char.IsAsciiDigit(c) || c is '*' or ',' or '-' or '/' || char.IsAsciiLetter(c)))
            {
                return false;
            }
        }

        return true;
    }
}
