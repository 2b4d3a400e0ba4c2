using System.Text;

namespace Atalaya.Platform.Linux.Host;

/// <summary>Parses os-release(5): shell-style <c>KEY=value</c> lines, values optionally quoted.</summary>
public static class OsReleaseParser
{
    /// <summary>False when no line is a valid assignment (an empty or unrelated file).</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out OsRelease value)
    {
        var result = new OsRelease();
        var any = false;
        var rest = text;
        while (!rest.IsEmpty)
        {
            var newline = rest.IndexOf('\n');
            var line = (newline < 0 ? rest : rest[..newline]).Trim();
            rest = newline < 0 ? default : rest[(newline + 1)..];
            var equals = line.IndexOf('=');
            if (line.IsEmpty || line[0] == '#' || equals <= 0 || !TryUnquote(line[(equals + 1)..], out var parsed))
            {
                continue;
            }

            any = true;
            result = line[..equals] switch
            {
                "NAME" => result with { Name = parsed },
                "ID" => result with { Id = parsed },
                "ID_LIKE" => result with { IdLike = parsed },
                "VERSION_ID" => result with { VersionId = parsed },
                "VERSION" => result with { Version = parsed },
                "PRETTY_NAME" => result with { PrettyName = parsed },
                _ => result,
            };
        }

        value = result;
        return any;
    }

    /// <summary>
    /// os-release allows bare values or values in single or double quotes; inside double quotes
    /// <c>\"</c>, <c>\\</c>, <c>\$</c> and <c>\`</c> are escapes. An unterminated quote is invalid.
    /// </summary>
    private static bool TryUnquote(ReadOnlySpan<char> raw, out string value)
    {
        value = string.Empty;
        if (raw.IsEmpty)
        {
            return true;
        }

        var quote = raw[0];
        if (quote is not ('"' or '\''))
        {
            value = raw.ToString();
            return true;
        }

        if (raw.Length < 2 || raw[^1] != quote)
        {
            return false;
        }

        var inner = raw[1..^1];
        if (quote == '\'' || inner.IndexOf('\\') < 0)
        {
            value = inner.ToString();
            return true;
        }

        var builder = new StringBuilder(inner.Length);
        for (var i = 0; i < inner.Length; i++)
        {
            if (inner[i] == '\\' && i + 1 < inner.Length && inner[i + 1] is '"' or '\\' or '$' or '`')
            {
                i++;
            }

            builder.Append(inner[i]);
        }

        value = builder.ToString();
        return true;
    }
}
