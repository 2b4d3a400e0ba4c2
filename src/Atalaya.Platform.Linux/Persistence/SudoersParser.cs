using System.Text;

namespace Atalaya.Platform.Linux.Persistence;

/// <summary>
/// sudoers(5) at the level an inventory needs: which lines grant what to whom. <c>#include</c> and
/// <c>#includedir</c> look like comments but are directives; any other '#' starts a comment.
/// </summary>
public static class SudoersParser
{
    private static readonly string[] AliasKeywords = ["User_Alias", "Runas_Alias", "Host_Alias", "Cmnd_Alias", "Cmd_Alias"];

    public static IReadOnlyList<SudoersLine> Parse(ReadOnlySpan<char> text)
    {
        var result = new List<SudoersLine>();
        var lines = new TextLines(text);
        while (lines.TryNextLogical(out var logical, out _))
        {
            if (TryParseLine(logical, out var line))
            {
                result.Add(line);
            }
        }

        return result;
    }

    /// <summary>False for blank lines and comments (every non-comment line is something to sudo).</summary>
    public static bool TryParseLine(ReadOnlySpan<char> line, out SudoersLine value)
    {
        value = null!;
        var rest = line.Trim(" \t");
        if (rest.IsEmpty)
        {
            return false;
        }

        var text = Collapse(rest);
        foreach (var directive in (ReadOnlySpan<string>)["#includedir", "@includedir", "#include", "@include"])
        {
            if (rest.StartsWith(directive, StringComparison.Ordinal) && rest.Length > directive.Length && rest[directive.Length] is ' ' or '\t')
            {
                value = new SudoersLine { Kind = SudoersLineKind.Include, Principal = rest[directive.Length..].Trim(" \t").ToString(), Text = text };
                return true;
            }
        }

        if (rest[0] == '#')
        {
            return false;
        }

        var end = rest.IndexOfAny(' ', '\t');
        var first = end < 0 ? rest : rest[..end];
        if (first.StartsWith("Defaults", StringComparison.Ordinal))
        {
            value = new SudoersLine { Kind = SudoersLineKind.Defaults, Text = text };
            return true;
        }

        foreach (var keyword in AliasKeywords)
        {
            if (first.SequenceEqual(keyword))
            {
                value = new SudoersLine { Kind = SudoersLineKind.Alias, Principal = keyword, Text = text };
                return true;
            }
        }

        var commands = rest;
        var lastColon = rest.LastIndexOf(':');
        var lastParen = rest.LastIndexOf(')');
        var lastEquals = rest.LastIndexOf('=');
        var cut = Math.Max(lastColon, Math.Max(lastParen, lastEquals));
        if (cut >= 0)
        {
            commands = rest[(cut + 1)..];
        }

        var lastComma = commands.LastIndexOf(',');
        var lastCommand = (lastComma < 0 ? commands : commands[(lastComma + 1)..]).Trim(" \t");
        value = new SudoersLine
        {
            Kind = SudoersLineKind.UserSpec,
            Principal = first.ToString(),
            Text = text,
            NoPassword = rest.IndexOf("NOPASSWD:", StringComparison.Ordinal) >= 0,
            AllCommands = lastCommand.SequenceEqual("ALL"),
        };
        return true;
    }

    private static string Collapse(ReadOnlySpan<char> text)
    {
        var builder = new StringBuilder(text.Length);
        var space = false;
        foreach (var c in text)
        {
            if (c is ' ' or '\t')
            {
                space = true;
                continue;
            }

            if (space && builder.Length > 0)
            {
                builder.Append(' ');
            }

            space = false;
            builder.Append(c);
        }

        return builder.ToString();
    }
}
