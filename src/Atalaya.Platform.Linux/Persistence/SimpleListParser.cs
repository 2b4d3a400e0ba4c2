namespace Atalaya.Platform.Linux.Persistence;

/// <summary>
/// The small list files of the inventory: /etc/ld.so.preload, ld.so.conf.d/*.conf, /etc/modules and
/// modules-load.d/*.conf, and /proc/modules.
/// </summary>
public static class SimpleListParser
{
    /// <summary>
    /// /etc/ld.so.preload as glibc's rtld reads it: names separated by spaces, tabs, newlines or colons.
    /// rtld has no comment syntax, so a '#' word is returned as the (bogus) library name it loads as.
    /// </summary>
    public static IReadOnlyList<string> ParsePreload(ReadOnlySpan<char> text)
    {
        var libraries = new List<string>();
        var rest = text;
        while (!rest.IsEmpty)
        {
            var start = rest.IndexOfAnyExcept(" \t\n\r:");
            if (start < 0)
            {
                break;
            }

            rest = rest[start..];
            var end = rest.IndexOfAny(" \t\n\r:");
            var word = end < 0 ? rest : rest[..end];
            libraries.Add(word.ToString());
            rest = end < 0 ? default : rest[end..];
        }

        return libraries;
    }

    /// <summary>
    /// One name per line with '#' comments (and ';' for modules-load.d): library directories of
    /// ld.so.conf.d (an <c>include</c> line is kept as written) or module names.
    /// </summary>
    public static IReadOnlyList<string> ParseLines(ReadOnlySpan<char> text, bool semicolonComments = false)
    {
        var names = new List<string>();
        var lines = new TextLines(text);
        while (lines.TryNext(out var line))
        {
            var hash = line.IndexOf('#');
            if (hash >= 0)
            {
                line = line[..hash];
            }

            line = line.Trim(" \t");
            if (line.IsEmpty || (semicolonComments && line[0] == ';'))
            {
                continue;
            }

            names.Add(line.ToString());
        }

        return names;
    }

    /// <summary>
    /// A /proc/modules line: <c>name size refcount deps state address [taint]</c>. Returns the name and
    /// the state (Live, Loading, Unloading) and taint flags, e.g. <c>(OE)</c> for an out-of-tree unsigned module.
    /// </summary>
    public static bool TryParseProcModule(ReadOnlySpan<char> line, out string name, out string state, out string? taint)
    {
        name = state = string.Empty;
        taint = null;
        var tokens = new Processes.SpanTokenizer(line);
        if (!tokens.TryNext(out var nameToken) || !tokens.TryNextUInt64(out _) || !tokens.TryNextInt64(out _)
            || !tokens.TryNext(out _) || !tokens.TryNext(out var stateToken) || !tokens.TryNext(out _))
        {
            return false;
        }

        name = nameToken.ToString();
        state = stateToken.ToString();
        if (tokens.TryNext(out var taintToken))
        {
            taint = taintToken.ToString();
        }

        return true;
    }
}
