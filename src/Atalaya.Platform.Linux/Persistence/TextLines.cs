namespace Atalaya.Platform.Linux.Persistence;

/// <summary>
/// Forward-only line enumerator over a span with 1-based line numbers; a trailing CR is dropped so
/// files edited on Windows parse the same.
/// </summary>
internal ref struct TextLines
{
    private ReadOnlySpan<char> _rest;
    private bool _done;

    public TextLines(ReadOnlySpan<char> text)
    {
        _rest = text;
        _done = text.IsEmpty;
    }

    public int LineNumber { get; private set; }

    public bool TryNext(out ReadOnlySpan<char> line)
    {
        if (_done)
        {
            line = default;
            return false;
        }

        var newline = _rest.IndexOf('\n');
        if (newline < 0)
        {
            line = _rest;
            _done = true;
        }
        else
        {
            line = _rest[..newline];
            _rest = _rest[(newline + 1)..];
            _done = _rest.IsEmpty;
        }

        if (!line.IsEmpty && line[^1] == '\r')
        {
            line = line[..^1];
        }

        LineNumber++;
        return true;
    }

    /// <summary>
    /// Next logical line: physical lines ending in a backslash are joined (systemd, udev and sudoers all
    /// continue lines this way). The backslash is replaced by a space, as systemd does.
    /// </summary>
    public bool TryNextLogical(out string line, out int firstLineNumber)
    {
        line = string.Empty;
        firstLineNumber = 0;
        if (!TryNext(out var physical))
        {
            return false;
        }

        firstLineNumber = LineNumber;
        if (physical.IsEmpty || physical[^1] != '\\')
        {
            line = physical.ToString();
            return true;
        }

        var builder = new System.Text.StringBuilder();
        builder.Append(physical[..^1]).Append(' ');
        // Bounded by the file: each iteration consumes a line.
        while (TryNext(out physical))
        {
            if (!physical.IsEmpty && physical[^1] == '\\')
            {
                builder.Append(physical[..^1]).Append(' ');
                continue;
            }

            builder.Append(physical);
            break;
        }

        line = builder.ToString();
        return true;
    }
}
