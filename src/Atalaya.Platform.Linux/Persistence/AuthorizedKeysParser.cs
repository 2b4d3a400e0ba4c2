using System.Security.Cryptography;

namespace Atalaya.Platform.Linux.Persistence;

/// <summary>
/// authorized_keys lines: <c>[options] keytype base64 [comment]</c>. Options are comma-separated and
/// may hold double-quoted values with spaces and <c>\"</c>, so the split is quote-aware.
/// </summary>
public static class AuthorizedKeysParser
{
    public static IReadOnlyList<AuthorizedKey> Parse(ReadOnlySpan<char> text, out int malformedLines)
    {
        var keys = new List<AuthorizedKey>();
        malformedLines = 0;
        var lines = new TextLines(text);
        while (lines.TryNext(out var line))
        {
            var trimmed = line.Trim(" \t");
            if (trimmed.IsEmpty || trimmed[0] == '#')
            {
                continue;
            }

            if (TryParseLine(trimmed, out var key))
            {
                keys.Add(key);
            }
            else
            {
                malformedLines++;
            }
        }

        return keys;
    }

    public static bool TryParseLine(ReadOnlySpan<char> line, out AuthorizedKey value)
    {
        value = null!;
        var rest = line.Trim(" \t");
        if (rest.IsEmpty || rest[0] == '#')
        {
            return false;
        }

        string? options = null;
        var first = FirstToken(rest);
        if (!IsKeyType(first))
        {
            var end = OptionsEnd(rest);
            if (end < 0)
            {
                return false;
            }

            options = rest[..end].ToString();
            rest = rest[end..].TrimStart(" \t");
            first = FirstToken(rest);
            if (!IsKeyType(first))
            {
                return false;
            }
        }

        var keyType = first.ToString();
        rest = rest[first.Length..].TrimStart(" \t");
        var blob = FirstToken(rest);
        if (blob.IsEmpty)
        {
            return false;
        }

        rest = rest[blob.Length..].Trim(" \t");
        value = new AuthorizedKey
        {
            Options = options,
            Command = options is null ? null : OptionValue(options, "command"),
            KeyType = keyType,
            KeyBlob = blob.ToString(),
            Comment = rest.IsEmpty ? null : rest.ToString(),
            Fingerprint = Fingerprint(blob),
        };
        return true;
    }

    /// <summary>The unquoted value of an option such as <c>command="..."</c> (names are case-insensitive).</summary>
    public static string? OptionValue(string options, string name)
    {
        var span = options.AsSpan();
        var i = 0;
        while (i < span.Length)
        {
            var start = i;
            var inQuotes = false;
            while (i < span.Length && (inQuotes || span[i] != ','))
            {
                if (span[i] == '\\' && inQuotes && i + 1 < span.Length)
                {
                    i += 2;
                    continue;
                }

                if (span[i] == '"')
                {
                    inQuotes = !inQuotes;
                }

                i++;
            }

            var option = span[start..i];
            i++;
            var equals = option.IndexOf('=');
            if (equals < 0 || !option[..equals].Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var raw = option[(equals + 1)..];
            if (raw.Length >= 1 && raw[0] == '"')
            {
                raw = raw[1..];
                if (!raw.IsEmpty && raw[^1] == '"')
                {
                    raw = raw[..^1];
                }
            }

            // sshd unescapes only \" inside option values.
            return raw.ToString().Replace("\\\"", "\"", StringComparison.Ordinal);
        }

        return null;
    }

    /// <summary>Key algorithms sshd accepts, including certificates and FIDO keys.</summary>
    public static bool IsKeyType(ReadOnlySpan<char> token)
    {
        if (token.IsEmpty)
        {
            return false;
        }

        foreach (var c in token)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '@' or '.'))
            {
                return false;
            }
        }

        return token.StartsWith("ssh-") || token.StartsWith("ecdsa-sha2-") || token.StartsWith("sk-ssh-") || token.StartsWith("sk-ecdsa-")
            || token.StartsWith("rsa-sha2-");
    }

    /// <summary>Index just after the options: the first space or tab outside double quotes; -1 when quotes never close.</summary>
    private static int OptionsEnd(ReadOnlySpan<char> line)
    {
        var inQuotes = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '\\' && inQuotes)
            {
                i++;
                continue;
            }

            if (c == '"')
            {
                inQuotes = !inQuotes;
            }
            else if (!inQuotes && c is ' ' or '\t')
            {
                return i;
            }
        }

        return -1;
    }

    private static ReadOnlySpan<char> FirstToken(ReadOnlySpan<char> text)
    {
        var end = text.IndexOfAny(' ', '\t');
        return end < 0 ? text : text[..end];
    }

    private static string? Fingerprint(ReadOnlySpan<char> blob)
    {
        var bytes = new byte[(blob.Length * 3 / 4) + 3];
        if (!Convert.TryFromBase64Chars(blob, bytes, out var written) || written == 0)
        {
            return null;
        }

        var hash = SHA256.HashData(bytes.AsSpan(0, written));
        return "SHA256:" + Convert.ToBase64String(hash).TrimEnd('=');
    }
}
