using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Atalaya.Platform.Linux;

/// <summary>getnameinfo(3) for reverse lookups: one PTR query, without the forward lookup Dns.GetHostEntry adds.</summary>
internal static partial class Interop
{
    private const int NI_NAMEREQD = 8;
    private const int NI_MAXHOST = 1025;

    [LibraryImport("libc", EntryPoint = "getnameinfo")]
    private static unsafe partial int getnameinfo(byte* addr, uint addrlen, byte* host, uint hostlen, byte* serv, uint servlen, int flags);

    /// <summary>The name for <paramref name="address"/>, or null (no name, no resolver, any error). Blocks up to the resolver's own timeouts.</summary>
    internal static unsafe string? ReverseLookup(IPAddress address)
    {
        // sockaddr_in is 16 bytes, sockaddr_in6 28; family in host order, port 0, address in network order.
        Span<byte> sockaddr = stackalloc byte[28];
        sockaddr.Clear();
        uint length;
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            BitConverter.TryWriteBytes(sockaddr, (ushort)AddressFamily.InterNetwork);
            address.TryWriteBytes(sockaddr[4..8], out _);
            length = 16;
        }
        else
        {
            BitConverter.TryWriteBytes(sockaddr, (ushort)10);
            address.TryWriteBytes(sockaddr[8..24], out _);
            BitConverter.TryWriteBytes(sockaddr[24..], (uint)address.ScopeId);
            length = 28;
        }

        Span<byte> host = stackalloc byte[NI_MAXHOST];
        fixed (byte* a = sockaddr)
        fixed (byte* h = host)
        {
            if (getnameinfo(a, length, h, NI_MAXHOST, null, 0, NI_NAMEREQD) != 0)
            {
                return null;
            }
        }

        var end = host.IndexOf((byte)0);
        return end <= 0 ? null : System.Text.Encoding.ASCII.GetString(host[..end]);
    }
}
