using System.Globalization;
using Atalaya.Platform.Linux.Processes;

namespace Atalaya.Platform.Linux.Resources;

/// <summary>The aggregate "cpu" line of /proc/stat, in clock ticks since boot (proc(5)).</summary>
public readonly record struct CpuTimes(ulong User, ulong Nice, ulong System, ulong Idle, ulong Iowait, ulong Irq, ulong Softirq, ulong Steal)
{
    /// <summary>guest and guest_nice are already counted in user and nice, so they are left out of the total.</summary>
    public ulong Total => User + Nice + System + Idle + Iowait + Irq + Softirq + Steal;
}

/// <summary>The /proc/meminfo values the agent reports, in bytes.</summary>
public readonly record struct MemInfo(long TotalBytes, long AvailableBytes, long SwapTotalBytes, long SwapFreeBytes);

/// <summary>/proc/loadavg: the three averages.</summary>
public readonly record struct LoadAverage(double One, double Five, double Fifteen);

/// <summary>Span parsers of /proc/stat, /proc/meminfo, /proc/loadavg and /proc/diskstats. Pure.</summary>
public static class ResourceParsers
{
    public static bool TryParseCpu(ReadOnlySpan<char> procStat, out CpuTimes value)
    {
        value = default;
        foreach (var line in procStat.EnumerateLines())
        {
            if (!line.StartsWith("cpu "))
            {
                continue;
            }

            var tokens = new SpanTokenizer(line[4..]);
            // Kernels before 2.6.11 had no steal column: missing trailing columns read as zero.
            Span<ulong> fields = stackalloc ulong[8];
            var count = 0;
            while (count < fields.Length && tokens.TryNext(out var token))
            {
                if (!ulong.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out fields[count]))
                {
                    return false;
                }

                count++;
            }

            if (count < 4)
            {
                return false;
            }

            value = new CpuTimes(fields[0], fields[1], fields[2], fields[3], fields[4], fields[5], fields[6], fields[7]);
            return true;
        }

        return false;
    }

    public static bool TryParseMeminfo(ReadOnlySpan<char> text, out MemInfo value)
    {
        value = default;
        long total = -1, available = -1, swapTotal = 0, swapFree = 0;
        foreach (var line in text.EnumerateLines())
        {
            var colon = line.IndexOf(':');
            if (colon <= 0)
            {
                continue;
            }

            var name = line[..colon];
            var tokens = new SpanTokenizer(line[(colon + 1)..]);
            if (!tokens.TryNextInt64(out var kilobytes))
            {
                continue;
            }

            var bytes = kilobytes * 1024;
            if (name.SequenceEqual("MemTotal"))
            {
                total = bytes;
            }
            else if (name.SequenceEqual("MemAvailable"))
            {
                available = bytes;
            }
            else if (name.SequenceEqual("SwapTotal"))
            {
                swapTotal = bytes;
            }
            else if (name.SequenceEqual("SwapFree"))
            {
                swapFree = bytes;
            }
        }

        if (total < 0 || available < 0)
        {
            return false;
        }

        value = new MemInfo(total, available, swapTotal, swapFree);
        return true;
    }

    public static bool TryParseLoadavg(ReadOnlySpan<char> text, out LoadAverage value)
    {
        value = default;
        var tokens = new SpanTokenizer(text);
        if (!tokens.TryNext(out var one) || !tokens.TryNext(out var five) || !tokens.TryNext(out var fifteen)
            || !double.TryParse(one, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var a)
            || !double.TryParse(five, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var b)
            || !double.TryParse(fifteen, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var c))
        {
            return false;
        }

        value = new LoadAverage(a, b, c);
        return true;
    }

    /// <summary>
    /// Total sectors read and written (always 512-byte units in diskstats, whatever the device's sector
    /// size) of the named whole disks. Partitions are left out so no byte is counted twice.
    /// </summary>
    public static bool TryParseDiskstats(ReadOnlySpan<char> text, IReadOnlySet<string> disks, out ulong sectorsRead, out ulong sectorsWritten,
        out int malformedLines)
    {
        sectorsRead = sectorsWritten = 0;
        malformedLines = 0;
        var any = false;
        foreach (var line in text.EnumerateLines())
        {
            if (line.IsWhiteSpace())
            {
                continue;
            }

            var tokens = new SpanTokenizer(line);
            // major minor name reads reads_merged sectors_read ms_reading writes writes_merged sectors_written ...
            if (!tokens.Skip(2) || !tokens.TryNext(out var name) || !tokens.Skip(2) || !tokens.TryNextUInt64(out var read)
                || !tokens.Skip(3) || !tokens.TryNextUInt64(out var written))
            {
                malformedLines++;
                continue;
            }

            if (disks.Contains(name.ToString()))
            {
                sectorsRead += read;
                sectorsWritten += written;
                any = true;
            }
        }

        return any;
    }
}
