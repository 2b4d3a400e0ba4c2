namespace Atalaya.Platform.Linux.Persistence;

/// <summary>
/// Which program a persistence command runs. Looks through what only wraps the real program
/// (<c>VAR=x</c> assignments, <c>nohup</c>, <c>exec</c>, <c>env</c>, <c>setsid</c>, <c>nice</c>) and
/// through interpreters: <c>bash -c '...'</c> is read recursively and <c>python3 /tmp/x.py</c> names
/// the script, because the script is what the attacker controls.
/// </summary>
public static class CommandTarget
{
    private const int MaxDepth = 4;

    private static readonly HashSet<string> Wrappers = new(StringComparer.Ordinal)
    {
        "nohup", "exec", "env", "setsid", "nice", "ionice", "chrt", "sudo", "doas", "command", "builtin", "time",
    };

    private static readonly HashSet<string> Shells = new(StringComparer.Ordinal)
    {
        "sh", "bash", "dash", "zsh", "ksh", "ash", "busybox",
    };

    private static readonly HashSet<string> Interpreters = new(StringComparer.Ordinal)
    {
        "python", "python2", "python3", "perl", "ruby", "node", "php", "lua", "tclsh",
    };

    // Builtins and guards that only prepare or test: "cd /; wget ... | sh" runs wget, and
    // "test -e x || /usr/bin/job" runs the job. Skipped when another program follows.
    private static readonly HashSet<string> Preparatory = new(StringComparer.Ordinal)
    {
        "cd", "test", "[", "[[", "true", "false", ":", "export", "set", "umask", "sleep", "echo", "printf", "unset", "ulimit", "source", ".",
    };

    /// <summary>The program word as written (absolute, relative or bare name), or null when there is none.</summary>
    public static string? Find(string command) => Find(command.AsSpan(), 0);

    private static string? Find(ReadOnlySpan<char> rest, int depth)
    {
        if (depth > MaxDepth)
        {
            return null;
        }

        string? fallback = null;
        while (!rest.IsEmpty)
        {
            var program = SegmentProgram(ref rest, depth, out var final);
            if (program is not null)
            {
                if (final || !Preparatory.Contains(FileName(program)))
                {
                    return program;
                }

                fallback ??= program;
            }

            // Skip the operator (; && || | &) that ended the segment; a comment or anything the word
            // reader cannot start on ends the command (and guarantees progress).
            var before = rest.Length;
            rest = rest.TrimStart(" \t;|&()\n");
            if (rest.Length == before || (!rest.IsEmpty && rest[0] == '#'))
            {
                break;
            }
        }

        return fallback;
    }

    /// <summary>The program of one simple command; stops at the operator that ends it.</summary>
    private static string? SegmentProgram(ref ReadOnlySpan<char> rest, int depth, out bool final)
    {
        final = false;
        string? program = null;
        var afterWrapper = false;
        while (true)
        {
            var trimmed = rest.TrimStart(" \t");
            var digits = trimmed.IndexOfAnyExceptInRange('0', '9');
            if (digits >= 0 && trimmed[digits] is '<' or '>')
            {
                // A redirection: its target is a file, not a program.
                rest = trimmed.TrimStart("<>&0123456789");
                ShellWords.TryRead(ref rest, out _);
                continue;
            }

            if (!ShellWords.TryRead(ref rest, out var word))
            {
                return program;
            }

            if (program is not null || word.Length == 0)
            {
                continue;
            }

            if (IsAssignment(word) || (afterWrapper && (word[0] == '-' || char.IsAsciiDigit(word[0]))))
            {
                continue;
            }

            var name = FileName(word);
            if (Wrappers.Contains(name))
            {
                afterWrapper = true;
                continue;
            }

            program = word;
            if (Shells.Contains(name))
            {
                final = true;
                return ShellTarget(ref rest, depth) ?? program;
            }

            if (Interpreters.Contains(name) || name.StartsWith("python3.", StringComparison.Ordinal))
            {
                final = true;
                return ScriptArgument(ref rest) ?? program;
            }
        }
    }

    /// <summary>For <c>sh -c 'cmd'</c> the program of cmd; for <c>sh script</c> the script.</summary>
    private static string? ShellTarget(ref ReadOnlySpan<char> rest, int depth)
    {
        while (ShellWords.TryRead(ref rest, out var word))
        {
            if (word == "-c" || (word.Length > 1 && word[0] == '-' && word.Contains('c', StringComparison.Ordinal) && !word.StartsWith("--", StringComparison.Ordinal)))
            {
                return ShellWords.TryRead(ref rest, out var inner) ? Find(inner.AsSpan(), depth + 1) : null;
            }

            if (word.Length > 0 && word[0] != '-')
            {
                return word;
            }
        }

        return null;
    }

    private static string? ScriptArgument(ref ReadOnlySpan<char> rest)
    {
        while (ShellWords.TryRead(ref rest, out var word))
        {
            if (word is "-c" or "-e" or "-m" or "-E")
            {
                // Inline code: the interpreter itself is the program.
                return null;
            }

            if (word.Length > 0 && word[0] != '-')
            {
                return word;
            }
        }

        return null;
    }

    private static bool IsAssignment(string word)
    {
        var equals = word.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            return false;
        }

        for (var i = 0; i < equals; i++)
        {
            var c = word[i];
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_') || (i == 0 && char.IsAsciiDigit(c)))
            {
                return false;
            }
        }

        return true;
    }

    private static string FileName(string word)
    {
        var slash = word.LastIndexOf('/');
        return slash < 0 ? word : word[(slash + 1)..];
    }
}
