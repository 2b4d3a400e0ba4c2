namespace Atalaya.Platform.Linux.Persistence;

/// <summary>One udev rule (logical line) that runs a program: RUN+=, RUN{program}+=, PROGRAM=, IMPORT{program}=.</summary>
public sealed record UdevCommand(int Line, string Key, string Command);

/// <summary>
/// udev(7) rules files: comma-separated <c>KEY{attr}op"value"</c> items per logical line. Only the
/// items that execute something are returned; RUN{builtin} runs code inside udevd and is skipped.
/// </summary>
public static class UdevRuleParser
{
    public static IReadOnlyList<UdevCommand> Parse(ReadOnlySpan<char> text, out int malformedLines)
    {
        var commands = new List<UdevCommand>();
        malformedLines = 0;
        var lines = new TextLines(text);
        while (lines.TryNextLogical(out var logical, out var number))
        {
            var line = logical.AsSpan().Trim(" \t");
            if (line.IsEmpty || line[0] == '#')
            {
                continue;
            }

            if (!TryParseRule(line, number, commands))
            {
                malformedLines++;
            }
        }

        return commands;
    }

    /// <summary>Adds the rule's executing items to <paramref name="commands"/>; false when the line is not a valid rule.</summary>
    public static bool TryParseRule(ReadOnlySpan<char> line, int lineNumber, List<UdevCommand> commands)
    {
        var rest = line;
        var any = false;
        while (true)
        {
            rest = rest.TrimStart(" \t,");
            if (rest.IsEmpty)
            {
                return any;
            }

            var keyEnd = 0;
            var braces = false;
            while (keyEnd < rest.Length && (char.IsAsciiLetterOrDigit(rest[keyEnd]) || rest[keyEnd] is '_' || braces || rest[keyEnd] == '{'))
            {
                if (rest[keyEnd] == '{')
                {
                    braces = true;
                }
                else if (rest[keyEnd] == '}')
                {
                    braces = false;
                }

                keyEnd++;
            }

            if (keyEnd == 0)
            {
                return false;
            }

            var key = rest[..keyEnd];
            rest = rest[keyEnd..].TrimStart(" \t");
            var opLength = rest.StartsWith("==") || rest.StartsWith("!=") || rest.StartsWith("+=") || rest.StartsWith("-=") || rest.StartsWith(":=") ? 2
                : rest.StartsWith("=") ? 1 : 0;
            if (opLength == 0)
            {
                return false;
            }

            rest = rest[opLength..].TrimStart(" \t");
            if (rest.IsEmpty || rest[0] != '"')
            {
                return false;
            }

            var close = 1;
            while (close < rest.Length && rest[close] != '"')
            {
                close += rest[close] == '\\' ? 2 : 1;
            }

            if (close >= rest.Length)
            {
                return false;
            }

            var value = rest[1..close];
            rest = rest[(close + 1)..];
            any = true;
            // PROGRAM and IMPORT{program} run at match time whatever the operator; RUN at the end of event processing.
            if (IsExecuting(key))
            {
                commands.Add(new UdevCommand(lineNumber, key.ToString(), value.ToString()));
            }
        }
    }

    private static bool IsExecuting(ReadOnlySpan<char> key) =>
        key.SequenceEqual("RUN") || key.SequenceEqual("RUN{program}") || key.SequenceEqual("PROGRAM") || key.SequenceEqual("IMPORT{program}");
}
