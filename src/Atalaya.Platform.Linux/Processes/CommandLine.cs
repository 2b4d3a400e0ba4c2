using System.Text;

namespace Atalaya.Platform.Linux.Processes;

/// <summary>The display form of an argv (<c>process.command_line</c>).</summary>
public static class CommandLine
{
    /// <summary>
    /// Joins arguments with one space. An argument is written bare when it is non-empty and holds no
    /// whitespace, quote, backslash or control character; otherwise it is wrapped in double quotes with
    /// <c>"</c> and <c>\</c> escaped by a backslash (the POSIX-shell double-quote reading of it gives the
    /// argument back, so argument boundaries stay visible). Control characters are kept, not rewritten:
    /// the JSON writer escapes them, and rules match on the real bytes.
    /// </summary>
    public static string Join(IReadOnlyList<string> args)
    {
        if (args.Count == 0)
        {
            return string.Empty;
        }

        var builder = new StringBuilder();
        for (var i = 0; i < args.Count; i++)
        {
            if (i > 0)
            {
                builder.Append(' ');
            }

            var arg = args[i];
            if (!NeedsQuotes(arg))
            {
                builder.Append(arg);
                continue;
            }

            builder.Append('"');
            foreach (var c in arg)
            {
                if (c is '"' or '\\')
                {
                    builder.Append('\\');
                }

                builder.Append(c);
            }

            builder.Append('"');
        }

        return builder.ToString();
    }

    private static bool NeedsQuotes(string arg)
    {
        if (arg.Length == 0)
        {
            return true;
        }

        foreach (var c in arg)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c) || c is '"' or '\'' or '\\')
            {
                return true;
            }
        }

        return false;
    }
}
