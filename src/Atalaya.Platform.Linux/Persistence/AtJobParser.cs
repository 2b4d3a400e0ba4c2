namespace Atalaya.Platform.Linux.Persistence;

/// <summary>
/// Files of /var/spool/cron/atjobs as at(1) writes them: a shell prologue (environment, <c>cd</c>)
/// followed by <c>${SHELL:-/bin/sh} &lt;&lt; 'marcinDELIMITERxxxx'</c>, the user's commands and the
/// delimiter. The uid comes from the <c># atrun uid=N gid=M</c> header.
/// </summary>
public static class AtJobParser
{
    public static bool TryParse(ReadOnlySpan<char> text, out string commands, out uint? uid)
    {
        commands = string.Empty;
        uid = null;
        var lines = new TextLines(text);
        string? delimiter = null;
        var builder = new System.Text.StringBuilder();
        while (lines.TryNext(out var line))
        {
            if (delimiter is null)
            {
                if (line.StartsWith("# atrun uid=", StringComparison.Ordinal))
                {
                    var digits = line["# atrun uid=".Length..];
                    var end = digits.IndexOf(' ');
                    if (uint.TryParse(end < 0 ? digits : digits[..end], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed))
                    {
                        uid = parsed;
                    }
                }

                var heredoc = line.IndexOf("<< '", StringComparison.Ordinal);
                if (line.StartsWith("${SHELL:-/bin/sh}", StringComparison.Ordinal) && heredoc > 0)
                {
                    var name = line[(heredoc + 4)..];
                    var close = name.IndexOf('\'');
                    if (close <= 0)
                    {
                        return false;
                    }

                    delimiter = name[..close].ToString();
                }

                continue;
            }

            if (line.SequenceEqual(delimiter))
            {
                commands = builder.ToString().TrimEnd('\n');
                return true;
            }

            builder.Append(line).Append('\n');
        }

        return false;
    }
}
