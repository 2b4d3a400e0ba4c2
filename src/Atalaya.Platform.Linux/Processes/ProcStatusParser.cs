using System.Globalization;
using System.Text;

namespace Atalaya.Platform.Linux.Processes;

/// <summary>Parses <c>/proc/[pid]/status</c>: <c>Key:\tvalue</c> lines, unknown keys ignored.</summary>
public static class ProcStatusParser
{
    /// <summary>
    /// False when Name, Pid, PPid, Uid or Gid is missing (a truncated read) or when a known field is
    /// not in the kernel's format; the kernel prints all five in the first lines of every status file.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, out ProcStatus value)
    {
        value = null!;
        string? name = null;
        uint? umask = null;
        var state = '\0';
        int tgid = 0, tracerPid = 0;
        int? pid = null, ppid = null;
        ProcIds? uid = null, gid = null;
        long threads = 0;
        ulong capEff = 0;
        bool? kthread = null;
        List<int>? nspid = null;

        var rest = text;
        while (!rest.IsEmpty)
        {
            var newline = rest.IndexOf('\n');
            var line = newline < 0 ? rest : rest[..newline];
            rest = newline < 0 ? default : rest[(newline + 1)..];

            var colon = line.IndexOf(':');
            if (colon <= 0)
            {
                continue;
            }

            var key = line[..colon];
            var data = line[(colon + 1)..];
            switch (key)
            {
                case "Name":
                    // Exactly one tab follows the colon; a name may itself start with spaces or tabs.
                    name = Unescape(data.StartsWith('\t') ? data[1..] : data);
                    break;
                case "Umask":
                    if (!TryOctal(data.Trim(), out var mask))
                    {
                        return false;
                    }

                    umask = mask;
                    break;
                case "State":
                    var trimmed = data.TrimStart();
                    if (trimmed.IsEmpty)
                    {
                        return false;
                    }

                    state = trimmed[0];
                    break;
                case "Tgid":
                    if (!TryInt(data, out tgid))
                    {
                        return false;
                    }

                    break;
                case "Pid":
                    if (!TryInt(data, out var p))
                    {
                        return false;
                    }

                    pid = p;
                    break;
                case "PPid":
                    if (!TryInt(data, out var pp))
                    {
                        return false;
                    }

                    ppid = pp;
                    break;
                case "TracerPid":
                    if (!TryInt(data, out tracerPid))
                    {
                        return false;
                    }

                    break;
                case "Uid":
                    if (!TryIds(data, out var u))
                    {
                        return false;
                    }

                    uid = u;
                    break;
                case "Gid":
                    if (!TryIds(data, out var g))
                    {
                        return false;
                    }

                    gid = g;
                    break;
                case "Threads":
                    if (!long.TryParse(data.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out threads))
                    {
                        return false;
                    }

                    break;
                case "CapEff":
                    if (!ulong.TryParse(data.Trim(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out capEff))
                    {
                        return false;
                    }

                    break;
                case "Kthread":
                    kthread = data.Trim() is "1";
                    break;
                case "NSpid":
                    nspid = [];
                    var tokens = new SpanTokenizer(data);
                    while (tokens.TryNext(out var token))
                    {
                        if (!int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var nested))
                        {
                            return false;
                        }

                        nspid.Add(nested);
                    }

                    break;
            }
        }

        if (name is null || pid is null || ppid is null || uid is null || gid is null)
        {
            return false;
        }

        value = new ProcStatus
        {
            Name = name,
            Umask = umask,
            State = state,
            Tgid = tgid,
            Pid = pid.Value,
            PPid = ppid.Value,
            TracerPid = tracerPid,
            Uid = uid.Value,
            Gid = gid.Value,
            Threads = threads,
            CapEff = capEff,
            NSpid = nspid is null ? [] : nspid,
            Kthread = kthread,
        };
        return true;
    }

    private static bool TryInt(ReadOnlySpan<char> data, out int value) =>
        int.TryParse(data.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out value);

    private static bool TryOctal(ReadOnlySpan<char> digits, out uint value)
    {
        value = 0;
        if (digits.IsEmpty || digits.Length > 11)
        {
            return false;
        }

        foreach (var c in digits)
        {
            if (c is < '0' or > '7')
            {
                return false;
            }

            value = (value << 3) | (uint)(c - '0');
        }

        return true;
    }

    private static bool TryIds(ReadOnlySpan<char> data, out ProcIds ids)
    {
        ids = default;
        var tokens = new SpanTokenizer(data);
        if (!tokens.TryNextUInt32(out var real) || !tokens.TryNextUInt32(out var effective)
            || !tokens.TryNextUInt32(out var saved) || !tokens.TryNextUInt32(out var fs))
        {
            return false;
        }

        ids = new ProcIds(real, effective, saved, fs);
        return true;
    }

    /// <summary>
    /// The kernel prints Name with seq_escape_str(ESCAPE_SPACE | ESCAPE_SPECIAL, "\n\\"): whitespace,
    /// backslash and a few specials become C escapes, so a name holding a newline stays on one line.
    /// Unknown escapes are kept as written.
    /// </summary>
    private static string Unescape(ReadOnlySpan<char> escaped)
    {
        if (escaped.IndexOf('\\') < 0)
        {
            return escaped.ToString();
        }

        var builder = new StringBuilder(escaped.Length);
        for (var i = 0; i < escaped.Length; i++)
        {
            var c = escaped[i];
            if (c != '\\' || i + 1 == escaped.Length)
            {
                builder.Append(c);
                continue;
            }

            char? decoded = escaped[i + 1] switch
            {
                'n' => '\n',
                't' => '\t',
                'v' => '\v',
                'f' => '\f',
                'r' => '\r',
                'a' => '\a',
                'e' => '\u001b',
                '"' => '"',
                '\\' => '\\',
                _ => null,
            };
            if (decoded is null)
            {
                builder.Append(c);
                continue;
            }

            builder.Append(decoded.Value);
            i++;
        }

        return builder.ToString();
    }
}
