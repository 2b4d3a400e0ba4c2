using System.Runtime.InteropServices;

namespace Atalaya.TestKit;

/// <summary>Sends a POSIX signal to one PID the test started (Process.Kill only knows SIGKILL).</summary>
public static partial class PosixSignals
{
    public const int SigTerm = 15;
    public const int SigKill = 9;

    public static void Send(int pid, int signal)
    {
        if (kill(pid, signal) != 0)
        {
            throw new InvalidOperationException($"kill({pid}, {signal}) failed with errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);
}
