using System.Globalization;

namespace Atalaya.Platform.Linux.Processes;

/// <summary>
/// Parses <c>/proc/[pid]/maps</c> lines: <c>start-end perms offset dev inode [path]</c>. The path is
/// everything after the inode column and may contain spaces or end with " (deleted)".
/// </summary>
public static class ProcMapsParser
{
    private static readonly string[] WritablePrefixes =
        ["/tmp/", "/var/tmp/", "/dev/shm/", "/home/", "/root/", "/run/user/", "/var/www/", "/run/shm/"];

    /// <summary>False only when no line is in the kernel's format (a truncated or foreign file).</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out ProcMapsSummary value)
    {
        value = null!;
        var anonymousExecutable = 0;
        var writableExecutable = false;
        var lines = 0;
        List<string>? libraries = null;
        var rest = text;
        while (!rest.IsEmpty)
        {
            var newline = rest.IndexOf('\n');
            var line = newline < 0 ? rest : rest[..newline];
            rest = newline < 0 ? default : rest[(newline + 1)..];
            if (line.IsEmpty)
            {
                continue;
            }

            if (!TryParseLine(line, out var perms, out var inode, out var path))
            {
                continue;
            }

            lines++;
            var executable = perms.Length >= 3 && perms[2] == 'x';
            if (executable && IsAnonymous(path, inode))
            {
                anonymousExecutable++;
                writableExecutable |= perms[1] == 'w';
            }

            if (path.Length > 0 && path[0] == '/' && IsSharedObject(path) && IsUserWritable(path))
            {
                libraries ??= [];
                var text2 = path.ToString();
                if (!libraries.Contains(text2))
                {
                    libraries.Add(text2);
                }
            }
        }

        if (lines == 0 && !text.IsWhiteSpace())
        {
            return false;
        }

        value = new ProcMapsSummary
        {
            AnonymousExecutableRegions = anonymousExecutable,
            WritableExecutable = writableExecutable,
            WritablePathLibraries = libraries is null ? [] : libraries,
            Lines = lines,
        };
        return true;
    }

    private static bool TryParseLine(ReadOnlySpan<char> line, out ReadOnlySpan<char> perms, out ulong inode, out ReadOnlySpan<char> path)
    {
        perms = default;
        inode = 0;
        path = default;
        var tokens = new SpanTokenizer(line);
        if (!tokens.TryNext(out var range) || range.IndexOf('-') <= 0
            || !tokens.TryNext(out perms) || perms.Length != 4
            || !tokens.Skip(2)
            || !tokens.TryNext(out var inodeText)
            || !ulong.TryParse(inodeText, NumberStyles.None, CultureInfo.InvariantCulture, out inode))
        {
            return false;
        }

        path = tokens.Rest.TrimStart(' ');
        return true;
    }

    /// <summary>
    /// No file behind the mapping: no path, [heap]/[stack] (executable only when an attacker made them
    /// so), or a memfd. [vdso], [vsyscall] and [uprobes] are the kernel's own code and are not counted.
    /// </summary>
    private static bool IsAnonymous(ReadOnlySpan<char> path, ulong inode)
    {
        if (path.IsEmpty)
        {
            return inode == 0;
        }

        if (path[0] == '[')
        {
            return path.StartsWith("[heap]") || path.StartsWith("[stack") || path.StartsWith("[anon");
        }

        return path.StartsWith("/memfd:") || path.StartsWith("/dev/zero");
    }

    private static bool IsSharedObject(ReadOnlySpan<char> path)
    {
        var slash = path.LastIndexOf('/');
        var name = path[(slash + 1)..];
        return name.EndsWith(".so") || name.Contains(".so.", StringComparison.Ordinal) || name.Contains(".so ", StringComparison.Ordinal);
    }

    private static bool IsUserWritable(ReadOnlySpan<char> path)
    {
        foreach (var prefix in WritablePrefixes)
        {
            if (path.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
