using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Atalaya.Core.Intel;

/// <summary>
/// Reads indicator files. Two shapes are accepted, line by line:
/// <list type="bullet">
/// <item>plain lists: one SHA-256, IPv4/IPv6 address, CIDR network or domain per line; <c>#</c>
/// starts a comment; anything after the first blank on a line is ignored (lists often annotate);</item>
/// <item>CSV exports of public abuse feeds (abuse.ch MalwareBazaar, Feodo Tracker, ThreatFox,
/// URLhaus): the header, commented or not, picks the column (<c>sha256_hash</c>, <c>ioc_value</c>,
/// <c>dst_ip</c>, <c>ip</c>, <c>domain</c>, <c>url</c>...); without a header the first column.</item>
/// </list>
/// Pure: the caller reads the file. A line that holds no indicator is counted, never fatal.
/// </summary>
public static class IndicatorParser
{
    private const int MaxValueLength = 2048;
    private const int BadLinesKept = 5;

    // Highest priority first: a MalwareBazaar export also carries md5/sha1 and file names, a
    // ThreatFox export carries both ioc_value and a reference url; the indicator is the first one found.
    private static readonly string[] HeaderNames =
        ["sha256_hash", "sha256", "ioc_value", "ioc", "indicator", "dst_ip", "ip_address", "ipaddress", "ip", "domain", "hostname", "host", "url"];

    public static IndicatorFileResult Parse(string text)
    {
        var indicators = new List<Indicator>();
        var firstBad = new List<int>();
        var bad = 0;
        var column = -1;
        var csv = false;
        var number = 0;
        foreach (var raw in text.AsSpan().EnumerateLines())
        {
            number++;
            var line = raw.Trim();
            if (line.IsEmpty)
            {
                continue;
            }

            if (line[0] == '#')
            {
                // abuse.ch exports put their header in a comment: # "first_seen_utc","sha256_hash",...
                if (line.Contains(',') && TryFindHeaderColumn(line[1..], out var commented))
                {
                    column = commented;
                    csv = true;
                }

                continue;
            }

            Indicator indicator;
            if (line.Contains(',') || line[0] == '"')
            {
                csv = true;
                if (column < 0 && TryFindHeaderColumn(line, out var header))
                {
                    column = header;
                    continue;
                }

                if (TryGetField(line, Math.Max(column, 0), out var field) && TryParseValue(field, out indicator))
                {
                    indicators.Add(indicator);
                    continue;
                }
            }
            else
            {
                var hash = line.IndexOf('#');
                var value = hash >= 0 ? line[..hash].TrimEnd() : line;
                var blank = value.IndexOfAny(' ', '\t');
                if (blank >= 0)
                {
                    value = value[..blank];
                }

                if (TryParseValue(value, out indicator))
                {
                    indicators.Add(indicator);
                    continue;
                }
            }

            bad++;
            if (firstBad.Count < BadLinesKept)
            {
                firstBad.Add(number);
            }
        }

        return new IndicatorFileResult { Indicators = indicators, BadLines = bad, FirstBadLines = firstBad, Csv = csv };
    }

    /// <summary>
    /// One value in canonical form. Also accepts what feeds write around an indicator: quotes,
    /// <c>ip:port</c> (ThreatFox), <c>[v6]:port</c>, and URLs (the host is the indicator).
    /// </summary>
    public static bool TryParseValue(ReadOnlySpan<char> text, out Indicator indicator)
    {
        indicator = default;
        text = text.Trim();
        if (text.Length >= 2 && text[0] == '"' && text[^1] == '"')
        {
            text = text[1..^1].Trim();
        }

        if (text.IsEmpty || text.Length > MaxValueLength)
        {
            return false;
        }

        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        if (scheme > 0)
        {
            text = UrlHost(text[(scheme + 3)..]);
            if (text.IsEmpty)
            {
                return false;
            }
        }

        if (text.Length == 64 && IsHex(text))
        {
            indicator = new Indicator(IndicatorKind.Sha256, text.ToString().ToLowerInvariant());
            return true;
        }

        var slash = text.IndexOf('/');
        if (slash >= 0)
        {
            return TryParseNetwork(text[..slash], text[(slash + 1)..], out indicator);
        }

        var host = StripPort(text);
        if (TryParseAddress(host, out var address))
        {
            indicator = new Indicator(IndicatorKind.Address, address.ToString());
            return true;
        }

        if (TryParseDomain(host, out var domain))
        {
            indicator = new Indicator(IndicatorKind.Domain, domain);
            return true;
        }

        return false;
    }

    /// <summary>
    /// A strict address: IPAddress.TryParse alone also takes "1" (0.0.0.1) and "10.1" (10.0.0.1),
    /// shapes no feed means as addresses; IPv4 must be four decimal parts, IPv6 must have a colon.
    /// IPv4-mapped IPv6 folds to IPv4, as dual-stack sockets report it.
    /// </summary>
    public static bool TryParseAddress(ReadOnlySpan<char> text, out IPAddress address)
    {
        address = IPAddress.None;
        if (text.IsEmpty || text.Length > 64)
        {
            return false;
        }

        if (text.Contains(':'))
        {
            if (text.Contains('%') || !IPAddress.TryParse(text, out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
            {
                return false;
            }

            address = v6.IsIPv4MappedToIPv6 ? v6.MapToIPv4() : v6;
            return true;
        }

        var parts = 0;
        var digits = 0;
        foreach (var c in text)
        {
            if (c == '.')
            {
                if (digits == 0)
                {
                    return false;
                }

                parts++;
                digits = 0;
            }
            else if (char.IsAsciiDigit(c) && ++digits <= 3)
            {
                continue;
            }
            else
            {
                return false;
            }
        }

        if (parts != 3 || digits == 0 || !IPAddress.TryParse(text, out var v4))
        {
            return false;
        }

        address = v4;
        return true;
    }

    private static bool TryParseNetwork(ReadOnlySpan<char> addressText, ReadOnlySpan<char> prefixText, out Indicator indicator)
    {
        indicator = default;
        if (!TryParseAddress(addressText, out var address)
            || prefixText.IsEmpty || prefixText.Length > 3 || !IsDigits(prefixText)
            || !int.TryParse(prefixText, NumberStyles.None, CultureInfo.InvariantCulture, out var prefix))
        {
            return false;
        }

        var bits = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (prefix > bits)
        {
            return false;
        }

        var network = IndicatorSet.Mask(address, prefix);
        indicator = prefix == bits
            ? new Indicator(IndicatorKind.Address, address.ToString())
            : new Indicator(IndicatorKind.Network, $"{network}/{prefix.ToString(CultureInfo.InvariantCulture)}");
        return true;
    }

    /// <summary>
    /// A lowercase domain with at least two labels, letters/digits/hyphen/underscore, labels of
    /// 1-63 and 253 in all, a top label that is not all digits (so a broken address such as
    /// <c>999.1.1.1</c> is never taken for a domain). A trailing dot is dropped.
    /// </summary>
    public static bool TryParseDomain(ReadOnlySpan<char> text, out string domain)
    {
        domain = string.Empty;
        if (text.Length > 0 && text[^1] == '.')
        {
            text = text[..^1];
        }

        if (text.IsEmpty || text.Length > 253 || !text.Contains('.'))
        {
            return false;
        }

        var label = 0;
        var labelDigitsOnly = true;
        foreach (var c in text)
        {
            if (c == '.')
            {
                if (label == 0)
                {
                    return false;
                }

                label = 0;
                labelDigitsOnly = true;
                continue;
            }

            if (!(char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_') || ++label > 63)
            {
                return false;
            }

            labelDigitsOnly &= char.IsAsciiDigit(c);
        }

        if (label == 0 || labelDigitsOnly)
        {
            return false;
        }

        domain = text.ToString().ToLowerInvariant();
        return true;
    }

    /// <summary>Finds the indicator column in a CSV header line; false when the line is not a header.</summary>
    private static bool TryFindHeaderColumn(ReadOnlySpan<char> line, out int column)
    {
        column = -1;
        var best = int.MaxValue;
        var index = 0;
        while (TryGetField(line, index, out var field))
        {
            var name = field.Trim().Trim('"').Trim();
            for (var rank = 0; rank < HeaderNames.Length && rank < best; rank++)
            {
                if (name.Equals(HeaderNames[rank], StringComparison.OrdinalIgnoreCase))
                {
                    best = rank;
                    column = index;
                }
            }

            index++;
        }

        return column >= 0;
    }

    /// <summary>Field <paramref name="index"/> of a CSV line (RFC 4180 quoting, <c>""</c> inside quotes), unquoted.</summary>
    internal static bool TryGetField(ReadOnlySpan<char> line, int index, out ReadOnlySpan<char> field)
    {
        field = default;
        var current = 0;
        var position = 0;
        while (position <= line.Length)
        {
            // MalwareBazaar writes ", " between fields: blanks before an opening quote are not data.
            while (position < line.Length && line[position] == ' ')
            {
                position++;
            }

            var start = position;
            var quoted = position < line.Length && line[position] == '"';
            int end;
            if (quoted)
            {
                // Find the closing quote, skipping doubled quotes.
                var i = position + 1;
                while (i < line.Length && !(line[i] == '"' && (i + 1 >= line.Length || line[i + 1] != '"')))
                {
                    i += line[i] == '"' ? 2 : 1;
                }

                var comma = i < line.Length ? line[i..].IndexOf(',') : -1;
                end = comma < 0 ? line.Length : i + comma;
                if (current == index)
                {
                    // Doubled quotes never appear in an indicator, so they are left as they are: the value is then invalid.
                    field = line[(start + 1)..Math.Min(i, line.Length)];
                    return true;
                }
            }
            else
            {
                var comma = line[position..].IndexOf(',');
                end = comma < 0 ? line.Length : position + comma;
                if (current == index)
                {
                    field = line[start..end];
                    return true;
                }
            }

            current++;
            position = end + 1;
        }

        return false;
    }

    private static ReadOnlySpan<char> UrlHost(ReadOnlySpan<char> rest)
    {
        var end = rest.IndexOfAny('/', '?', '#');
        var authority = end >= 0 ? rest[..end] : rest;
        var at = authority.LastIndexOf('@');
        return at >= 0 ? authority[(at + 1)..] : authority;
    }

    /// <summary>Drops a port: <c>1.2.3.4:443</c> and <c>[2001:db8::1]:443</c>; a bare IPv6 address is left alone.</summary>
    private static ReadOnlySpan<char> StripPort(ReadOnlySpan<char> text)
    {
        if (text.Length > 2 && text[0] == '[')
        {
            var close = text.IndexOf(']');
            return close > 1 ? text[1..close] : text;
        }

        var colon = text.IndexOf(':');
        if (colon > 0 && colon == text.LastIndexOf(':') && IsDigits(text[(colon + 1)..]))
        {
            return text[..colon];
        }

        return text;
    }

    private static bool IsHex(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsDigits(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
