using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Atalaya.Platform.Linux.Accounts;

/// <summary>
/// struct utmp as glibc writes it on x86_64 and arm64 (384 bytes, 32-bit time fields for
/// compatibility with 32-bit programs): type@0, pid@4, line[32]@8, id[4]@40, user[32]@44,
/// host[256]@76, exit@332, session@336, tv_sec@340, tv_usec@344, addr_v6[4]@348, unused@364.
/// </summary>
public static class UtmpParser
{
    public const int RecordSize = 384;

    /// <summary>Every whole record; a trailing partial record (a torn write or a truncation) is reported.</summary>
    public static IReadOnlyList<UtmpRecord> Parse(ReadOnlySpan<byte> data, out int trailingBytes)
    {
        var records = new List<UtmpRecord>(data.Length / RecordSize);
        var offset = 0;
        while (offset + RecordSize <= data.Length)
        {
            if (TryParse(data.Slice(offset, RecordSize), out var record))
            {
                records.Add(record);
            }

            offset += RecordSize;
        }

        trailingBytes = data.Length - offset;
        return records;
    }

    /// <summary>False for an all-zero record (what a wiper leaves behind) or an unknown type.</summary>
    public static bool TryParse(ReadOnlySpan<byte> record, out UtmpRecord value)
    {
        value = null!;
        if (record.Length < RecordSize)
        {
            return false;
        }

        var type = BinaryPrimitives.ReadInt32LittleEndian(record);
        if (type is <= 0 or > 9)
        {
            return false;
        }

        var seconds = BinaryPrimitives.ReadUInt32LittleEndian(record[340..]);
        var micros = BinaryPrimitives.ReadInt32LittleEndian(record[344..]);
        value = new UtmpRecord(
            type,
            BinaryPrimitives.ReadInt32LittleEndian(record[4..]),
            CString(record.Slice(8, 32)),
            CString(record.Slice(44, 32)),
            CString(record.Slice(76, 256)),
            DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(Math.Clamp(micros, 0, 999_999) * 10L),
            Address(record.Slice(348, 16)));
        return true;
    }

    /// <summary>True when every byte is zero: a record overwritten by a log cleaner such as utmpdump-edit or "wtmp clean".</summary>
    public static bool IsZeroed(ReadOnlySpan<byte> record) => !record.ContainsAnyExcept((byte)0);

    internal static string CString(ReadOnlySpan<byte> field)
    {
        var end = field.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? field : field[..end]);
    }

    /// <summary>IPv4 is stored in the first word with the rest zero; IPv6 uses all four words.</summary>
    private static string? Address(ReadOnlySpan<byte> field)
    {
        if (IsZeroed(field))
        {
            return null;
        }

        return field[4..].ContainsAnyExcept((byte)0) ? new IPAddress(field).ToString() : new IPAddress(field[..4]).ToString();
    }
}
