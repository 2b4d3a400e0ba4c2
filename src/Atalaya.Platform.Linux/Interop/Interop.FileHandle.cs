using System.Runtime.InteropServices;

namespace Atalaya.Platform.Linux;

/// <summary>
/// The file-handle calls the fanotify sensor needs beyond the shared interop: the extra fid reporting
/// flags of fanotify_init(2) and name_to_handle_at(2), which gives a directory's handle while it exists,
/// so that events about it still resolve after it is gone.
/// </summary>
internal static partial class Interop
{
    /// <summary>FAN_REPORT_FID: each event also carries the fid of the object itself.</summary>
    internal const uint FAN_REPORT_FID = 0x200;

    /// <summary>
    /// Linux 5.17+, with FAN_REPORT_DFID_NAME and FAN_REPORT_FID: create, delete and move events carry the
    /// fid of the child (the new directory of a mkdir) instead of the parent's a second time.
    /// </summary>
    internal const uint FAN_REPORT_TARGET_FID = 0x1000;

    /// <summary>MAX_HANDLE_SZ in the kernel.</summary>
    private const int MaxHandleBytes = 128;

    [LibraryImport("libc", EntryPoint = "name_to_handle_at", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int name_to_handle_at(int dirfd, string pathname, byte* handle, int* mountId, int flags);

    /// <summary>
    /// name_to_handle_at(2) of <paramref name="path"/> (a final symlink is not followed): the handle type
    /// and bytes, in the form fanotify reports them in its fid records. False with errno when refused.
    /// </summary>
    internal static unsafe bool TryGetHandle(string path, out int handleType, out byte[] handle, out int errno)
    {
        var buffer = stackalloc byte[8 + MaxHandleBytes];
        *(uint*)buffer = MaxHandleBytes;
        int mountId;
        if (name_to_handle_at(AT_FDCWD, path, buffer, &mountId, 0) != 0)
        {
            errno = Marshal.GetLastPInvokeError();
            handleType = 0;
            handle = [];
            return false;
        }

        var length = (int)Math.Min(*(uint*)buffer, MaxHandleBytes);
        handleType = *(int*)(buffer + 4);
        handle = new ReadOnlySpan<byte>(buffer + 8, length).ToArray();
        errno = 0;
        return true;
    }
}
