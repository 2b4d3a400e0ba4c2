namespace Atalaya.Core.Analytics;

/// <summary>
/// Shapes of a shell command that droppers use, from the text alone: fetch-and-execute
/// (<c>curl ... | sh</c>, <c>wget -O- ... | bash</c>), encoded payloads (<c>base64 -d</c>, long
/// base64 runs), and shell redirection to the network (<c>/dev/tcp/</c>). Ordinal string checks,
/// no regex: these run on every persistence entry and every command line.
/// </summary>
public static class CommandPatterns
{
    /// <summary>Shortest base64 run counted as a blob: long enough that paths and words never reach it.</summary>
    public const int MinBase64Run = 48;

    private static readonly string[] Fetchers = ["curl", "wget", "fetch ", "tftp", "ftp "];
    private static readonly string[] Runners = ["sh", "bash", "dash", "zsh", "ksh", "python", "perl", "ruby", "php", "node"];

    /// <summary>
    /// A download tool and, after a pipe or in the same command, a shell or interpreter reading it;
    /// or a download written to a file that is then made executable or run.
    /// </summary>
    public static bool IsDownloadAndRun(string? command)
    {
        if (string.IsNullOrEmpty(command))
        {
            return false;
        }

        var fetch = IndexOfAny(command, Fetchers);
        if (fetch < 0)
        {
            return false;
        }

        var after = command.AsSpan(fetch);
        var pipe = after.IndexOf('|');
        while (pipe >= 0)
        {
            var next = after[(pipe + 1)..].TrimStart(" \t");
            foreach (var runner in Runners)
            {
                if (StartsWithProgram(next, runner))
                {
                    return true;
                }
            }

            after = after[(pipe + 1)..];
            pipe = after.IndexOf('|');
        }

        return command.Contains("chmod +x", StringComparison.Ordinal) || command.Contains("chmod 7", StringComparison.Ordinal)
            || command.Contains("chmod 5", StringComparison.Ordinal);
    }

    /// <summary>An explicit base64 decode, or a run of base64 characters at least <see cref="MinBase64Run"/> long.</summary>
    public static bool HasEncodedPayload(string? command)
    {
        if (string.IsNullOrEmpty(command))
        {
            return false;
        }

        if (command.Contains("base64 -d", StringComparison.Ordinal) || command.Contains("base64 --decode", StringComparison.Ordinal)
            || command.Contains("b64decode", StringComparison.Ordinal) || command.Contains("FromBase64String", StringComparison.Ordinal))
        {
            return true;
        }

        var run = 0;
        foreach (var c in command)
        {
            if (char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=')
            {
                if (++run >= MinBase64Run)
                {
                    return true;
                }
            }
            else
            {
                run = 0;
            }
        }

        return false;
    }

    /// <summary>bash's /dev/tcp and /dev/udp pseudo-files: a shell talking to the network directly.</summary>
    public static bool HasShellNetworkRedirect(string? command) =>
        command is not null && (command.Contains("/dev/tcp/", StringComparison.Ordinal) || command.Contains("/dev/udp/", StringComparison.Ordinal));

    private static bool StartsWithProgram(ReadOnlySpan<char> text, string program)
    {
        // "sh", "/bin/sh", "sudo bash", "python3 -": the program may come with a directory or a version suffix.
        var word = text;
        var space = word.IndexOfAny(' ', '\t');
        if (space >= 0)
        {
            word = word[..space];
        }

        if (word.SequenceEqual("sudo") && space >= 0)
        {
            return StartsWithProgram(text[(space + 1)..].TrimStart(" \t"), program);
        }

        var slash = word.LastIndexOf('/');
        var name = slash < 0 ? word : word[(slash + 1)..];
        return name.StartsWith(program, StringComparison.Ordinal)
            && (name.Length == program.Length || !char.IsAsciiLetter(name[program.Length]));
    }

    private static int IndexOfAny(string text, string[] needles)
    {
        var best = -1;
        foreach (var needle in needles)
        {
            var at = text.IndexOf(needle, StringComparison.Ordinal);
            if (at >= 0 && (best < 0 || at < best))
            {
                best = at;
            }
        }

        return best;
    }
}
