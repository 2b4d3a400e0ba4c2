using System.Globalization;

namespace Atalaya.Platform.Linux.Processes;

/// <summary>Parses one <c>/proc/[pid]/stat</c> line (proc(5)).</summary>
public static class ProcStatParser
{
    /// <summary>
    /// comm is whatever the binary's file name was (up to 15 bytes), so it may hold spaces, parentheses
    /// and newlines: it runs from the first '(' to the LAST ')' of the line, the only unambiguous rule
    /// because every field after comm is numeric or a single state letter.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, out ProcStat value)
    {
        value = default;
        var open = text.IndexOf('(');
        var close = text.LastIndexOf(')');
        if (open <= 0 || close < open)
        {
            return false;
        }

        if (!int.TryParse(text[..open].TrimEnd(' '), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            return false;
        }

        var comm = text[(open + 1)..close];
        var fields = new SpanTokenizer(text[(close + 1)..]);

        // Field numbers below are proc(5)'s, 1-based: (3) state ... (24) rss.
        if (!fields.TryNext(out var stateToken) || stateToken.Length != 1
            || !fields.TryNextInt32(out var ppid)
            || !fields.TryNextInt32(out var pgrp)
            || !fields.TryNextInt32(out var session)
            || !fields.TryNextInt32(out var ttyNr)
            || !fields.Skip(1) // (8) tpgid
            || !fields.TryNextUInt32(out var flags)
            || !fields.Skip(4) // (10-13) minflt cminflt majflt cmajflt
            || !fields.TryNextUInt64(out var utime)
            || !fields.TryNextUInt64(out var stime)
            || !fields.Skip(4) // (16-19) cutime cstime priority nice
            || !fields.TryNextInt64(out var numThreads)
            || !fields.Skip(1) // (21) itrealvalue
            || !fields.TryNextUInt64(out var startTime)
            || !fields.TryNextUInt64(out var vsize)
            || !fields.TryNextInt64(out var rss))
        {
            return false;
        }

        value = new ProcStat(pid, comm.ToString(), stateToken[0], ppid, pgrp, session, ttyNr, flags,
            utime, stime, numThreads, startTime, vsize, rss);
        return true;
    }
}
