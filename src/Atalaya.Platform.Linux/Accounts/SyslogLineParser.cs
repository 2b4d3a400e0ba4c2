using System.Globalization;

namespace Atalaya.Platform.Linux.Accounts;

/// <summary>
/// The two timestamp formats rsyslog writes to auth.log: RFC 3339 (Debian 12's default,
/// <c>2025-05-20T10:00:01.123456+00:00 host sshd[12]: msg</c>) and the traditional BSD one
/// (<c>May 20 10:00:01 host sshd[12]: msg</c>), which has no year: the caller's clock supplies it.
/// </summary>
public static class SyslogLineParser
{
    private static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    /// <param name="now">Used for the year of BSD timestamps: a date more than a day in the future belongs to last year.</param>
    public static bool TryParse(ReadOnlySpan<char> line, DateTimeOffset now, out SyslogLine value)
    {
        value = null!;
        line = line.TrimEnd('\r');
        DateTimeOffset timestamp;
        ReadOnlySpan<char> rest;
        if (line.Length > 15 && char.IsAsciiDigit(line[0]))
        {
            var space = line.IndexOf(' ');
            if (space < 0 || !DateTimeOffset.TryParse(line[..space], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out timestamp))
            {
                return false;
            }

            rest = line[(space + 1)..];
        }
        else if (line.Length > 16 && line[3] == ' ' && line[6] == ' ' && line[9] == ':' && line[12] == ':' && line[15] == ' ')
        {
            var month = Array.IndexOf(Months, line[..3].ToString()) + 1;
            var dayText = line.Slice(4, 2).TrimStart(' ');
            if (month == 0 || !int.TryParse(dayText, NumberStyles.None, CultureInfo.InvariantCulture, out var day)
                || !TimeSpan.TryParseExact(line.Slice(7, 8), "hh\\:mm\\:ss", CultureInfo.InvariantCulture, out var time)
                || day is < 1 or > 31)
            {
                return false;
            }

            var year = now.Year;
            if (day > DateTime.DaysInMonth(year, month))
            {
                return false;
            }

            timestamp = new DateTimeOffset(year, month, day, 0, 0, 0, TimeSpan.Zero) + time;
            if (timestamp > now.AddDays(1))
            {
                timestamp = timestamp.AddYears(-1);
            }

            rest = line[16..];
        }
        else
        {
            return false;
        }

        var hostEnd = rest.IndexOf(' ');
        if (hostEnd <= 0)
        {
            return false;
        }

        var host = rest[..hostEnd];
        rest = rest[(hostEnd + 1)..];
        var colon = rest.IndexOf(": ");
        if (colon <= 0)
        {
            return false;
        }

        var tag = rest[..colon];
        int? pid = null;
        var bracket = tag.IndexOf('[');
        if (bracket > 0 && tag[^1] == ']')
        {
            if (int.TryParse(tag[(bracket + 1)..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var parsedPid))
            {
                pid = parsedPid;
            }

            tag = tag[..bracket];
        }

        value = new SyslogLine(timestamp, host.ToString(), tag.ToString(), pid, rest[(colon + 2)..].ToString());
        return true;
    }
}
