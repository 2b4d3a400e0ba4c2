using System.Globalization;

namespace Atalaya.Platform.Linux.Audit;

/// <summary>
/// Parses the text of one audit record: the <c>audit(sec.msec:serial): </c> header, then
/// space-separated <c>key=value</c> pairs where a value is <c>"quoted"</c> (literal, never holds a
/// quote: the kernel hex-encodes any value with a quote, space or control byte), <c>'single quoted'</c>
/// (user-space messages, <c>msg='...'</c>), or bare. Tokens without <c>=</c> (SELinux <c>{ read }</c>)
/// are skipped. Forward-only, no regex.
/// </summary>
public static class AuditRecordParser
{
    public static bool TryParse(int type, ReadOnlySpan<char> text, out AuditRecord record)
    {
        record = null!;
        text = text.TrimEnd('\0').TrimEnd('\n');
        if (!TryParseHeader(text, out var seconds, out var millis, out var serial, out var consumed))
        {
            return false;
        }

        var fields = new List<AuditField>();
        var rest = text[consumed..];
        while (true)
        {
            rest = rest.TrimStart(' ');
            if (rest.IsEmpty)
            {
                break;
            }

            var equals = rest.IndexOf('=');
            var space = rest.IndexOf(' ');
            if (equals < 0 || (space >= 0 && space < equals))
            {
                // A token without a value: skip it.
                rest = space < 0 ? default : rest[space..];
                continue;
            }

            var key = rest[..equals];
            var value = rest[(equals + 1)..];
            if (!value.IsEmpty && value[0] is '"' or '\'')
            {
                var close = value[1..].IndexOf(value[0]);
                if (close < 0)
                {
                    // Unterminated quote: a truncated record. Keep what is there rather than drop the record.
                    fields.Add(new AuditField(key.ToString(), value[1..].ToString(), Quoted: true));
                    break;
                }

                fields.Add(new AuditField(key.ToString(), value.Slice(1, close).ToString(), Quoted: true));
                rest = value[(close + 2)..];
            }
            else
            {
                var end = value.IndexOf(' ');
                var token = end < 0 ? value : value[..end];

                // Some records end with a GS (0x1d) and enriched fields (user-space logs): not from the kernel, but harmless to split.
                fields.Add(new AuditField(key.ToString(), token.ToString(), Quoted: false));
                rest = end < 0 ? default : value[end..];
            }
        }

        record = new AuditRecord { Type = type, Seconds = seconds, Milliseconds = millis, Serial = serial, Fields = fields };
        return true;
    }

    /// <summary><c>audit(1700000000.123:42): </c>; also accepts a leading <c>msg=</c> as in audit.log lines.</summary>
    public static bool TryParseHeader(ReadOnlySpan<char> text, out long seconds, out int milliseconds, out ulong serial, out int consumed)
    {
        seconds = 0;
        milliseconds = 0;
        serial = 0;
        consumed = 0;
        var start = text.IndexOf("audit(".AsSpan(), StringComparison.Ordinal);
        if (start < 0)
        {
            return false;
        }

        var body = text[(start + 6)..];
        var dot = body.IndexOf('.');
        var colon = body.IndexOf(':');
        var close = body.IndexOf(')');
        if (dot <= 0 || colon <= dot + 1 || close <= colon + 1)
        {
            return false;
        }

        if (!long.TryParse(body[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out seconds)
            || !int.TryParse(body[(dot + 1)..colon], NumberStyles.None, CultureInfo.InvariantCulture, out milliseconds)
            || !ulong.TryParse(body[(colon + 1)..close], NumberStyles.None, CultureInfo.InvariantCulture, out serial))
        {
            return false;
        }

        consumed = start + 6 + close + 1;
        if (consumed < text.Length && text[consumed] == ':')
        {
            consumed++;
        }

        return true;
    }
}
