using System.Runtime.InteropServices;

namespace Atalaya.Platform.Linux;

internal static partial class Interop
{
    /// <summary>_SC_CLK_TCK in glibc's bits/confname.h.</summary>
    private const int _SC_CLK_TCK = 2;

    [LibraryImport("libc", EntryPoint = "sysconf", SetLastError = true)]
    private static partial nint sysconf(int name);

    /// <summary>USER_HZ: the unit of utime/stime/starttime in /proc/[pid]/stat (100 on every mainstream build).</summary>
    internal static long GetClockTicksPerSecond()
    {
        var value = (long)sysconf(_SC_CLK_TCK);
        return value > 0 ? value : 100;
    }
}
