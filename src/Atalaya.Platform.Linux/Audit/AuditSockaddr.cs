using System.Buffers.Binary;
using System.Net;

namespace Atalaya.Platform.Linux.Audit;

/// <summary>A decoded <c>saddr=</c> (struct sockaddr in hex): family, and address/port or unix path.</summary>
public readonly record struct AuditSockaddr(int Family, IPAddress? Address, int Port, string? UnixPath)
{
    public const int AfUnix = 1;
    public const int AfInet = 2;
    public const int AfInet6 = 10;
    public const int AfNetlink = 16;

    /// <summary>
    /// sa_family is host order (little-endian here); the port and the address are network order.
    /// An AF_UNIX path ends at the first NUL; an abstract socket (first byte NUL) is shown as <c>@name</c>
    /// as ss(8) does. Other families keep only the family.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> raw, out AuditSockaddr value)
    {
        value = default;
        if (raw.Length < 2)
        {
            return false;
        }

        var family = BinaryPrimitives.ReadUInt16LittleEndian(raw);
        switch (family)
        {
            case AfInet when raw.Length >= 8:
                value = new AuditSockaddr(family, new IPAddress(raw.Slice(4, 4)), BinaryPrimitives.ReadUInt16BigEndian(raw[2..]), null);
                return true;
            case AfInet6 when raw.Length >= 24:
                var scope = raw.Length >= 28 ? BinaryPrimitives.ReadUInt32LittleEndian(raw[24..]) : 0;
                value = new AuditSockaddr(family, new IPAddress(raw.Slice(8, 16), scope), BinaryPrimitives.ReadUInt16BigEndian(raw[2..]), null);
                return true;
            case AfUnix:
                var path = raw[2..];
                var isAbstract = !path.IsEmpty && path[0] == 0;
                if (isAbstract)
                {
                    path = path[1..];
                }

                var nul = path.IndexOf((byte)0);
                if (nul >= 0 && !isAbstract)
                {
                    path = path[..nul];
                }

                var text = AuditValue.Utf8.GetString(path);
                value = new AuditSockaddr(family, null, 0, isAbstract ? "@" + text.TrimEnd('\0') : text);
                return true;
            case AfInet or AfInet6:
                return false;
            default:
                value = new AuditSockaddr(family, null, 0, null);
                return true;
        }
    }

    public override string ToString() => Address is not null
        ? new IPEndPoint(Address, Port).ToString()
        : UnixPath ?? "family " + Family.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
