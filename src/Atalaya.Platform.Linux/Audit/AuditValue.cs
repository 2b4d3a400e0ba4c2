namespace Atalaya.Platform.Linux.Audit;

/// <summary>
/// Decoding of the kernel's "untrusted string" fields (argv, comm, exe, name, cwd, proctitle, key):
/// written in quotes when printable, else as uppercase hex of the raw bytes, or <c>(null)</c>. Bytes
/// are returned exactly: argv is attacker-controlled and may hold any byte but NUL.
/// </summary>
public static class AuditValue
{
    /// <summary>The bytes of an encodable field; false for <c>(null)</c>/<c>(none)</c> or broken hex.</summary>
    public static bool TryDecode(AuditField field, out byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(field);
        if (field.Quoted)
        {
            // Quoted values are printable ASCII by construction (0x21-0x7e, no quote): Latin-1 is exact.
            bytes = System.Text.Encoding.Latin1.GetBytes(field.Value);
            return true;
        }

        return TryDecodeHex(field.Value, out bytes);
    }

    public static bool TryDecodeHex(ReadOnlySpan<char> hex, out byte[] bytes)
    {
        if (hex.Length % 2 != 0 || hex.StartsWith("(", StringComparison.Ordinal))
        {
            bytes = [];
            return false;
        }

        bytes = new byte[hex.Length / 2];
        for (var i = 0; i < bytes.Length; i++)
        {
            var high = HexDigit(hex[2 * i]);
            var low = HexDigit(hex[(2 * i) + 1]);
            if (high < 0 || low < 0)
            {
                bytes = [];
                return false;
            }

            bytes[i] = (byte)((high << 4) | low);
        }

        return true;
    }

    /// <summary>The field as text (UTF-8, invalid sequences replaced), or null when absent or undecodable.</summary>
    public static string? DecodeString(AuditField? field) =>
        field is not null && TryDecode(field, out var bytes) ? Utf8.GetString(bytes) : null;

    /// <summary>UTF-8 that replaces invalid sequences rather than throwing, as the /proc cmdline parser does.</summary>
    public static readonly System.Text.Encoding Utf8 = new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    private static int HexDigit(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'A' and <= 'F' => c - 'A' + 10,
        >= 'a' and <= 'f' => c - 'a' + 10,
        _ => -1,
    };
}
