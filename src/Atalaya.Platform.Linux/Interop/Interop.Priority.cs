using System.Runtime.InteropServices;

namespace Atalaya.Platform.Linux;

internal static partial class Interop
{
    private const int PRIO_PROCESS = 0;

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int gettid();

    [LibraryImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static partial int setpriority(int which, uint who, int prio);

    /// <summary>
    /// Sets the nice value of the calling thread only (Linux applies PRIO_PROCESS to a thread id).
    /// Needs CAP_SYS_NICE for negative values; returns errno (0 on success).
    /// </summary>
    internal static int SetCurrentThreadNice(int nice) =>
        setpriority(PRIO_PROCESS, (uint)gettid(), nice) == 0 ? 0 : Marshal.GetLastPInvokeError();
}
