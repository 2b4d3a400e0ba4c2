using System.Text;

namespace Atalaya.Platform.Linux.Processes;

/// <summary>
/// Picks the watched variables out of <c>/proc/[pid]/environ</c> (NUL-separated KEY=VALUE, as execve
/// received them). Only the dynamic-linker variables are kept: the rest of an environment holds
/// secrets the agent has no business storing.
/// </summary>
public static class ProcEnvironParser
{
    /// <summary>Variables whose presence means code is injected into every program the process starts.</summary>
    public static IReadOnlyList<string> WatchedNames { get; } = ["LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT"];

    /// <summary>
    /// The watched variables as <c>KEY=VALUE</c> in file order (invalid UTF-8 replaced), or an empty list.
    /// A variable defined twice is reported twice: the loader uses the first, an attacker may hide behind either.
    /// </summary>
    public static IReadOnlyList<string> FindWatched(ReadOnlySpan<byte> environ)
    {
        List<string>? found = null;
        var rest = environ;
        while (!rest.IsEmpty)
        {
            var nul = rest.IndexOf((byte)0);
            var entry = nul < 0 ? rest : rest[..nul];
            rest = nul < 0 ? default : rest[(nul + 1)..];
            if (entry.Length < 4 || entry[0] != (byte)'L' || entry[1] != (byte)'D' || entry[2] != (byte)'_')
            {
                continue;
            }

            var equals = entry.IndexOf((byte)'=');
            if (equals < 0)
            {
                continue;
            }

            foreach (var name in WatchedNames)
            {
                if (equals == name.Length && Ascii.Equals(entry[..equals], name))
                {
                    (found ??= []).Add(Encoding.UTF8.GetString(entry));
                    break;
                }
            }
        }

        return found is null ? [] : found;
    }
}
