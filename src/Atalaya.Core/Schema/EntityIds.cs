using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Atalaya.Core.Schema;

/// <summary>
/// Stable identifiers. A pid alone is reused (pid_max may be 32768), so a process is named by
/// boot id + pid + start time, hashed to a short opaque string like Sysmon's ProcessGuid.
/// </summary>
public static class EntityIds
{
    /// <summary>The same inputs always give the same id; any collector that knows them agrees.</summary>
    public static string ForProcess(string bootId, int pid, ulong startTimeTicks)
    {
        Span<byte> buffer = stackalloc byte[128];
        var written = Encoding.UTF8.GetBytes(bootId.AsSpan(0, Math.Min(bootId.Length, 100)), buffer);
        BinaryPrimitives.WriteInt32LittleEndian(buffer[written..], pid);
        BinaryPrimitives.WriteUInt64LittleEndian(buffer[(written + 4)..], startTimeTicks);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(buffer[..(written + 12)], hash);
        return Convert.ToHexStringLower(hash[..16]);
    }
}
