using System.Buffers.Binary;
using System.Text;

namespace Atalaya.Platform.Linux.Files;

/// <summary>
/// Parses the bytes read(2) returns from a fanotify descriptor: a sequence of struct
/// fanotify_event_metadata (event_len u32, vers u8, reserved u8, metadata_len u16, mask u64, fd s32,
/// pid s32), each followed by info records (struct fanotify_event_info_header: info_type u8, pad u8,
/// len u16). Fid records (DFID_NAME, OLD_DFID_NAME, NEW_DFID_NAME, DFID, FID) carry an 8-byte fsid,
/// a struct file_handle (handle_bytes u32, handle_type s32, f_handle) and, for the *_NAME types, a
/// NUL-terminated name padded to 4 bytes. Pure: every length is checked against the buffer, a
/// malformed event is counted and parsing stops at the first one whose length cannot be trusted.
/// </summary>
public static class FanotifyEventParser
{
    public const int MetadataLength = 24;
    public const byte MetadataVersion = 3;

    public const byte InfoFid = 1;
    public const byte InfoDfidName = 2;
    public const byte InfoDfid = 3;
    public const byte InfoOldDfidName = 10;
    public const byte InfoNewDfidName = 12;

    private const int InfoHeaderLength = 4;
    private const int FsidLength = 8;
    private const int FileHandleHeaderLength = 8;

    /// <summary>MAX_HANDLE_SZ in the kernel.</summary>
    private const int MaxHandleBytes = 128;

    /// <summary>
    /// Appends every well-formed event in <paramref name="buffer"/>; returns the number of malformed
    /// events. An event whose info records are broken is skipped whole (its length is still valid); a
    /// metadata header that lies about its length ends the parse, since the next event cannot be found.
    /// </summary>
    public static int Parse(ReadOnlySpan<byte> buffer, ICollection<FanotifyRecord> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var malformed = 0;
        while (buffer.Length >= MetadataLength)
        {
            var eventLength = BinaryPrimitives.ReadUInt32LittleEndian(buffer);
            var version = buffer[4];
            var metadataLength = BinaryPrimitives.ReadUInt16LittleEndian(buffer[6..]);
            if (eventLength < MetadataLength || eventLength > (uint)buffer.Length || version != MetadataVersion
                || metadataLength < MetadataLength || metadataLength > eventLength)
            {
                return malformed + 1;
            }

            if (TryParseEvent(buffer[..(int)eventLength], metadataLength, out var record))
            {
                output.Add(record);
            }
            else
            {
                malformed++;
            }

            buffer = buffer[(int)eventLength..];
        }

        return buffer.IsEmpty ? malformed : malformed + 1;
    }

    private static bool TryParseEvent(ReadOnlySpan<byte> evt, int metadataLength, out FanotifyRecord record)
    {
        var mask = BinaryPrimitives.ReadUInt64LittleEndian(evt[8..]);
        var fd = BinaryPrimitives.ReadInt32LittleEndian(evt[16..]);
        var pid = BinaryPrimitives.ReadInt32LittleEndian(evt[20..]);
        FanotifyFileHandle? directory = null;
        FanotifyFileHandle? oldDirectory = null;
        FanotifyFileHandle? target = null;
        string? name = null;
        string? oldName = null;
        record = null!;

        var info = evt[metadataLength..];
        while (!info.IsEmpty)
        {
            if (info.Length < InfoHeaderLength)
            {
                return false;
            }

            var type = info[0];
            var length = BinaryPrimitives.ReadUInt16LittleEndian(info[2..]);
            if (length < InfoHeaderLength || length > info.Length)
            {
                return false;
            }

            var body = info[InfoHeaderLength..length];
            switch (type)
            {
                case InfoDfidName or InfoNewDfidName or InfoOldDfidName or InfoDfid:
                    var withName = type != InfoDfid;
                    if (!TryParseFid(body, withName, out var handle, out var entry))
                    {
                        return false;
                    }

                    if (type == InfoOldDfidName)
                    {
                        oldDirectory = handle;
                        oldName = entry;
                    }
                    else
                    {
                        directory = handle;
                        name = entry;
                    }

                    break;
                case InfoFid:
                    // The object's own fid (FAN_REPORT_FID, with FAN_REPORT_TARGET_FID the child of a
                    // create, delete or move): how a new directory is known before it can disappear.
                    if (!TryParseFid(body, withName: false, out target, out _))
                    {
                        return false;
                    }

                    break;
                default:
                    // Newer kernels may add record types (pidfd, error, range): skip by length.
                    break;
            }

            info = info[length..];
        }

        record = new FanotifyRecord(mask, pid, fd, directory, name, oldDirectory, oldName, target);
        return true;
    }

    private static bool TryParseFid(ReadOnlySpan<byte> body, bool withName, out FanotifyFileHandle handle, out string? name)
    {
        handle = null!;
        name = null;
        if (body.Length < FsidLength + FileHandleHeaderLength)
        {
            return false;
        }

        var fsid = BinaryPrimitives.ReadUInt64LittleEndian(body);
        var handleBytes = BinaryPrimitives.ReadUInt32LittleEndian(body[FsidLength..]);
        var handleType = BinaryPrimitives.ReadInt32LittleEndian(body[(FsidLength + 4)..]);
        var rest = body[(FsidLength + FileHandleHeaderLength)..];
        if (handleBytes == 0 || handleBytes > MaxHandleBytes || handleBytes > (uint)rest.Length)
        {
            return false;
        }

        handle = new FanotifyFileHandle(fsid, handleType, rest[..(int)handleBytes].ToArray());
        if (!withName)
        {
            return true;
        }

        var nameBytes = rest[(int)handleBytes..];
        var end = nameBytes.IndexOf((byte)0);
        if (end <= 0)
        {
            // No terminator, or an empty name: the kernel always writes at least one byte and a NUL.
            return false;
        }

        // "." is how the kernel names the directory itself (events on a marked directory, FAN_ONDIR self events).
        name = Encoding.UTF8.GetString(nameBytes[..end]);
        return true;
    }
}
