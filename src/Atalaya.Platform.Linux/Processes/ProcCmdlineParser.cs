using System.Text;

namespace Atalaya.Platform.Linux.Processes;

/// <summary>Parses <c>/proc/[pid]/cmdline</c>: argv as NUL-terminated strings.</summary>
public static class ProcCmdlineParser
{
    // Encoding.UTF8 replaces invalid sequences with U+FFFD rather than throwing: argv is
    // attacker-controlled bytes and must never break the collector.
    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    /// <summary>
    /// Empty input (kernel threads, zombies) gives an empty array. One trailing NUL is the terminator
    /// of the last argument; empty arguments in the middle are kept (<c>a\0\0b\0</c> is 3 args).
    /// A process that rewrote its argv area (setproctitle) may have no NULs: that is one argument.
    /// </summary>
    public static string[] Parse(ReadOnlySpan<byte> raw)
    {
        if (raw.IsEmpty)
        {
            return [];
        }

        if (raw[^1] == 0)
        {
            raw = raw[..^1];
        }

        var count = raw.Count((byte)0) + 1;
        var args = new string[count];
        for (var i = 0; i < count; i++)
        {
            var nul = raw.IndexOf((byte)0);
            var arg = nul < 0 ? raw : raw[..nul];
            args[i] = arg.IsEmpty ? string.Empty : Utf8.GetString(arg);
            raw = nul < 0 ? default : raw[(nul + 1)..];
        }

        return args;
    }
}
