namespace Atalaya.Platform.Linux.Files;

/// <summary>
/// A kernel file handle from a fanotify fid record: the filesystem id and a struct file_handle.
/// <see cref="Key"/> is a string form usable as a cache key (two handles of the same directory are equal byte for byte).
/// </summary>
public sealed record FanotifyFileHandle(ulong Fsid, int HandleType, byte[] Handle)
{
    public string Key { get; } = string.Concat(Fsid.ToString("x16", System.Globalization.CultureInfo.InvariantCulture), ":",
        HandleType.ToString(System.Globalization.CultureInfo.InvariantCulture), ":", Convert.ToHexStringLower(Handle));

    /// <summary>struct file_handle as open_by_handle_at(2) expects it: handle_bytes, handle_type, f_handle.</summary>
    public byte[] ToFileHandleStruct()
    {
        var buffer = new byte[8 + Handle.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(buffer, (uint)Handle.Length);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(4), HandleType);
        Handle.CopyTo(buffer, 8);
        return buffer;
    }
}

/// <summary>
/// One fanotify event in FAN_REPORT_DFID_NAME mode: the mask, the pid of the process that caused it,
/// and the directory handle plus entry name. A FAN_RENAME event also carries the old directory and name.
/// <see cref="Target"/> is the object's own handle (FAN_REPORT_FID with FAN_REPORT_TARGET_FID: the new
/// directory of a mkdir, the moved or deleted entry), null when the group did not ask for it.
/// </summary>
public sealed record FanotifyRecord(
    ulong Mask,
    int Pid,
    int Fd,
    FanotifyFileHandle? Directory,
    string? Name,
    FanotifyFileHandle? OldDirectory,
    string? OldName,
    FanotifyFileHandle? Target = null)
{
    public bool IsOverflow => (Mask & FanotifyMask.QueueOverflow) != 0;

    public bool IsDirectory => (Mask & FanotifyMask.OnDirectory) != 0;
}
