using System.Runtime.InteropServices;

namespace Atalaya.Platform.Linux;

internal static partial class Interop
{
    internal const int ENOENT = 2;
    internal const int ESRCH = 3;
    internal const int EACCES = 13;
    internal const int ENOTDIR = 20;
    internal const int EPERM = 1;

    /// <summary>Linux PATH_MAX; readlink of /proc magic links never returns more.</summary>
    private const int PathMax = 4096;

    [LibraryImport("libc", EntryPoint = "readlinkat", SetLastError = true)]
    private static unsafe partial nint readlinkat(int dirfd, byte* pathname, byte* buf, nuint bufsiz);

    /// <summary>
    /// readlinkat(2) of a NUL-terminated <paramref name="name"/> under <paramref name="directory"/> into
    /// <paramref name="target"/> (truncated at its length, as readlink does); the length or -1 with errno.
    /// </summary>
    internal static unsafe int ReadLinkAt(int directory, ReadOnlySpan<byte> name, Span<byte> target, out int errno)
    {
        nint length;
        fixed (byte* namePointer = name)
        fixed (byte* targetPointer = target)
        {
            length = readlinkat(directory, namePointer, targetPointer, (nuint)target.Length);
        }

        errno = length < 0 ? Marshal.GetLastPInvokeError() : 0;
        return (int)length;
    }

    /// <summary>
    /// readlink(2) without the exception path of <see cref="FileSystemInfo.LinkTarget"/>: a process that
    /// exits between enumeration and this call is an expected ENOENT, reported through <paramref name="errno"/>.
    /// </summary>
    internal static string? ReadLink(string path, out int errno) => ReadLinkAt(AT_FDCWD, path, out errno);

    [LibraryImport("libc", EntryPoint = "realpath", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial byte* realpath(string path, byte* resolved);

    /// <summary>realpath(3): <paramref name="path"/> with every symlink and dot resolved; null when it does not resolve.</summary>
    internal static unsafe string? RealPath(string path)
    {
        var buffer = stackalloc byte[PathMax];
        var resolved = realpath(path, buffer);
        return resolved is null ? null : Marshal.PtrToStringUTF8((nint)resolved);
    }
}
