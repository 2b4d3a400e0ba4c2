using System.Runtime.InteropServices;

namespace Atalaya.Platform.Linux;

internal static partial class Interop
{
    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int kill(int pid, int signal);

    /// <summary>
    /// kill(pid, 0): delivers nothing, only asks the kernel whether the id exists. EPERM means it exists
    /// but belongs to someone we may not signal, which still counts as existing. Thread ids answer too.
    /// </summary>
    internal static bool IdExists(int pid)
    {
        if (kill(pid, 0) == 0)
        {
            return true;
        }

        return Marshal.GetLastPInvokeError() == EPERM;
    }
}
