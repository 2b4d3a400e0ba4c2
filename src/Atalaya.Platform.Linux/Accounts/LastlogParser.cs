using System.Buffers.Binary;

namespace Atalaya.Platform.Linux.Accounts;

/// <summary>One user's slot in /var/log/lastlog: when and from where they last logged in (null time: never).</summary>
public sealed record LastlogEntry(DateTimeOffset? Time, string Line, string Host);

/// <summary>
/// /var/log/lastlog (glibc's <c>struct lastlog</c> on Linux: int32 ll_time, char ll_line[32],
/// char ll_host[256]; 292 bytes), a sparse file indexed by uid: the slot of uid N starts at
/// N × 292. Pure; the reader seeks to the uids it knows instead of reading the file, which is
/// terabytes long (sparse) once a uid such as 4294967294 has logged in.
/// </summary>
public static class LastlogParser
{
    public const int RecordSize = 292;

    public static bool TryParse(ReadOnlySpan<byte> record, out LastlogEntry value)
    {
        value = null!;
        if (record.Length < RecordSize)
        {
            return false;
        }

        var seconds = BinaryPrimitives.ReadInt32LittleEndian(record);
        value = new LastlogEntry(
            seconds == 0 ? null : DateTimeOffset.FromUnixTimeSeconds((uint)seconds),
            UtmpParser.CString(record.Slice(4, 32)),
            UtmpParser.CString(record.Slice(36, 256)));
        return true;
    }
}
