using System.Buffers.Binary;
using System.Net;

namespace Atalaya.Platform.Linux.Network.SockDiag;

/// <summary>
/// Interns the addresses of dump replies: a host's thousands of sockets share a handful of local
/// and remote addresses, and one <see cref="IPAddress"/> per address (instead of two per socket per
/// cycle) keeps a steady inventory cycle from allocating. <see cref="IPAddress"/> is immutable
/// except for the IPv6 scope id, which nothing here sets. Bounded: cleared when it grows past
/// <see cref="Capacity"/> distinct addresses (a scan from many sources), so it never grows without
/// limit. Not thread-safe: one per reader.
/// </summary>
internal sealed class AddressCache
{
    public const int Capacity = 16_384;

    private readonly Dictionary<uint, IPAddress> _v4 = [];
    private readonly Dictionary<(ulong High, ulong Low), IPAddress> _v6 = [];

    public IPAddress Get(byte family, ReadOnlySpan<byte> raw)
    {
        if (family == SockDiagParser.AfInet)
        {
            var key = BinaryPrimitives.ReadUInt32LittleEndian(raw);
            if (!_v4.TryGetValue(key, out var address))
            {
                if (_v4.Count >= Capacity)
                {
                    _v4.Clear();
                }

                address = new IPAddress(raw[..4]);
                _v4.Add(key, address);
            }

            return address;
        }

        var wide = (BinaryPrimitives.ReadUInt64LittleEndian(raw), BinaryPrimitives.ReadUInt64LittleEndian(raw[8..]));
        if (!_v6.TryGetValue(wide, out var v6))
        {
            if (_v6.Count >= Capacity)
            {
                _v6.Clear();
            }

            v6 = new IPAddress(raw[..16]);
            _v6.Add(wide, v6);
        }

        return v6;
    }
}
