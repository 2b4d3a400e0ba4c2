using System.Runtime.InteropServices;

namespace Atalaya.Platform.Linux;

/// <summary>close(2) and the errno values every descriptor family here shares.</summary>
internal static partial class Interop
{
    internal const int EINTR = 4;
    internal const int EAGAIN = 11;

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);
}
