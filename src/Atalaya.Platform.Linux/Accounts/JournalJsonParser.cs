using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Atalaya.Platform.Linux.Accounts;

/// <summary>
/// One line of <c>journalctl -o json</c>: a flat JSON object whose values are strings, except a field
/// journald holds as binary (not valid UTF-8, or with control characters), which is an array of byte
/// values, a field that occurs twice, which is an array of those, and a field over journalctl's size
/// limit, which is null. Pure; reads with <see cref="Utf8JsonReader"/> (no document, no reflection),
/// skips every other field, and bounds the message. Malformed JSON is false, never an exception.
/// </summary>
public static class JournalJsonParser
{
    public const int MaxLineBytes = 64 * 1024;
    public const int MaxMessageLength = 8 * 1024;

    public static bool TryParse(ReadOnlySpan<byte> line, out JournalEntry value)
    {
        value = null!;
        if (line.Length is 0 or > MaxLineBytes)
        {
            return false;
        }

        try
        {
            return TryRead(line, out value);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool TryRead(ReadOnlySpan<byte> line, out JournalEntry value)
    {
        value = null!;
        var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = 4 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        string? realtime = null, host = null, identifier = null, comm = null, pid = null, syslogPid = null, message = null, uid = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            ref var target = ref Slot(ref reader, ref realtime, ref host, ref identifier, ref comm, ref pid, ref syslogPid, ref message, ref uid, out var wanted);
            if (!reader.Read())
            {
                return false;
            }

            if (!wanted)
            {
                reader.Skip();
                continue;
            }

            target = ReadValue(ref reader);
        }

        if (reader.TokenType != JsonTokenType.EndObject || message is null || (identifier ?? comm) is not { Length: > 0 } program)
        {
            return false;
        }

        if (realtime is null || !long.TryParse(realtime, NumberStyles.None, CultureInfo.InvariantCulture, out var microseconds)
            || microseconds > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds() * 1000)
        {
            return false;
        }

        value = new JournalEntry(
            DateTimeOffset.FromUnixTimeMilliseconds(microseconds / 1000).AddTicks(microseconds % 1000 * 10),
            host ?? string.Empty,
            program,
            Int(pid) ?? Int(syslogPid),
            message.Length > MaxMessageLength ? message[..MaxMessageLength] : message,
            uint.TryParse(uid, NumberStyles.None, CultureInfo.InvariantCulture, out var u) ? u : null,
            comm);
        return true;
    }

    private static ref string? Slot(ref Utf8JsonReader reader, ref string? realtime, ref string? host, ref string? identifier, ref string? comm,
        ref string? pid, ref string? syslogPid, ref string? message, ref string? uid, out bool wanted)
    {
        wanted = true;
        if (reader.ValueTextEquals("__REALTIME_TIMESTAMP"u8))
        {
            return ref realtime;
        }

        if (reader.ValueTextEquals("_HOSTNAME"u8))
        {
            return ref host;
        }

        if (reader.ValueTextEquals("SYSLOG_IDENTIFIER"u8))
        {
            return ref identifier;
        }

        if (reader.ValueTextEquals("_COMM"u8))
        {
            return ref comm;
        }

        if (reader.ValueTextEquals("_PID"u8))
        {
            return ref pid;
        }

        if (reader.ValueTextEquals("SYSLOG_PID"u8))
        {
            return ref syslogPid;
        }

        if (reader.ValueTextEquals("MESSAGE"u8))
        {
            return ref message;
        }

        if (reader.ValueTextEquals("_UID"u8))
        {
            return ref uid;
        }

        wanted = false;
        return ref message;
    }

    /// <summary>A string; a byte array decoded as UTF-8 (invalid bytes replaced); the first value of a repeated field; null otherwise.</summary>
    private static string? ReadValue(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return reader.GetString();
            case JsonTokenType.StartArray:
                string? first = null;
                var bytes = new List<byte>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType == JsonTokenType.Number && reader.TryGetByte(out var b))
                    {
                        if (bytes.Count < MaxMessageLength * 4)
                        {
                            bytes.Add(b);
                        }
                    }
                    else if (reader.TokenType == JsonTokenType.String)
                    {
                        first ??= reader.GetString();
                    }
                    else
                    {
                        // A repeated binary field: an array of arrays. Not worth decoding.
                        reader.Skip();
                    }
                }

                return first ?? (bytes.Count > 0 ? Encoding.UTF8.GetString([.. bytes]) : null);
            default:
                reader.Skip();
                return null;
        }
    }

    private static int? Int(string? text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : null;
}
