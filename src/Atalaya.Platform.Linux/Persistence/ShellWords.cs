using System.Text;

namespace Atalaya.Platform.Linux.Persistence;

/// <summary>
/// Reads words of a POSIX shell command the way the shell would split them (single quotes, double
/// quotes with backslash escapes, bare backslash escapes), without expanding anything. Enough to
/// find which program a command runs; not a shell.
/// </summary>
public static class ShellWords
{
    /// <summary>The next word; false at the end or when a shell operator (<c>; | &amp; &lt; &gt;</c>) starts.</summary>
    public static bool TryRead(ref ReadOnlySpan<char> rest, out string word)
    {
        word = string.Empty;
        rest = rest.TrimStart(" \t");
        if (rest.IsEmpty || rest[0] is ';' or '|' or '&' or '<' or '>' or '(' or ')' or '\n' or '#')
        {
            return false;
        }

        var builder = new StringBuilder();
        var i = 0;
        while (i < rest.Length)
        {
            var c = rest[i];
            if (c is ' ' or '\t' or '\n' or ';' or '|' or '&' or '<' or '>')
            {
                break;
            }

            if (c == '\'')
            {
                var close = rest[(i + 1)..].IndexOf('\'');
                if (close < 0)
                {
                    builder.Append(rest[(i + 1)..]);
                    i = rest.Length;
                    break;
                }

                builder.Append(rest.Slice(i + 1, close));
                i += close + 2;
                continue;
            }

            if (c == '"')
            {
                i++;
                while (i < rest.Length && rest[i] != '"')
                {
                    if (rest[i] == '\\' && i + 1 < rest.Length && rest[i + 1] is '"' or '\\' or '$' or '`')
                    {
                        i++;
                    }

                    builder.Append(rest[i]);
                    i++;
                }

                i++;
                continue;
            }

            if (c == '\\' && i + 1 < rest.Length)
            {
                builder.Append(rest[i + 1]);
                i += 2;
                continue;
            }

            builder.Append(c);
            i++;
        }

        rest = i >= rest.Length ? default : rest[i..];
        word = builder.ToString();
        return true;
    }
}
