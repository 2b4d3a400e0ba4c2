namespace Atalaya.Platform.Linux.Network.SockDiag;

/// <summary>
/// The sock_diag destroy multicast groups (SKNLGRP_INET_TCP_DESTROY, SKNLGRP_INET6_TCP_DESTROY):
/// the kernel sends one message per TCP socket as it is freed, with its 4-tuple, cookie and final
/// tcp_info — every close, however short the connection. Binding needs CAP_NET_ADMIN. The kernel
/// leaves inode and uid zero in these messages, so owners come from the inventory (by cookie) or
/// from connect hints. Messages queue in the socket's receive buffer; if the reader falls behind
/// the kernel drops them and reports ENOBUFS, which is counted as lost.
/// </summary>
internal sealed class SockDiagDestroyListener : IDisposable
{
    // nl_groups is a bitmask of group numbers starting at 1 (linux/sock_diag.h).
    private const uint TcpDestroyGroups = (1u << (1 - 1)) | (1u << (3 - 1));
    private const int ReceiveBufferBytes = 8 * 1024 * 1024;

    private readonly SafeNetlinkHandle _handle;
    private readonly byte[] _buffer = new byte[64 * 1024];

    private SockDiagDestroyListener(SafeNetlinkHandle handle) => _handle = handle;

    public long Received { get; private set; }

    public long Malformed { get; private set; }

    /// <summary>Times the kernel reported lost notifications (ENOBUFS).</summary>
    public long Overflows { get; private set; }

    /// <summary>null with the errno when the kernel refuses (EPERM without CAP_NET_ADMIN).</summary>
    public static SockDiagDestroyListener? TryOpen(TimeSpan pollTimeout, out int errno)
    {
        var handle = Interop.OpenSockDiag(TcpDestroyGroups, out errno);
        if (handle.IsInvalid)
        {
            handle.Dispose();
            return null;
        }

        // Best effort: the default buffer holds a few hundred notifications, a burst of closes more.
        Interop.SetReceiveBuffer(handle, ReceiveBufferBytes);
        errno = Interop.SetReceiveTimeout(handle, pollTimeout);
        if (errno != 0)
        {
            handle.Dispose();
            return null;
        }

        return new SockDiagDestroyListener(handle);
    }

    /// <summary>
    /// Receives until cancelled, handing each datagram's sockets to <paramref name="onClosed"/>
    /// (the list is reused). Returns the errno that stopped it, 0 on cancellation.
    /// </summary>
    public int Run(Action<List<InetDiagSocket>> onClosed, CancellationToken cancellationToken)
    {
        var sockets = new List<InetDiagSocket>();
        while (!cancellationToken.IsCancellationRequested)
        {
            var length = Interop.Receive(_handle, _buffer);
            if (length < 0)
            {
                var errno = -length;
                if (errno == Interop.EAGAIN)
                {
                    continue;
                }

                if (errno == Interop.ENOBUFS)
                {
                    Overflows++;
                    continue;
                }

                return errno;
            }

            sockets.Clear();
            SockDiagParser.ParseDatagram(_buffer.AsSpan(0, length), protocol: 0, sockets, out _, out var malformed, out _);
            Malformed += malformed;
            Received += sockets.Count;
            if (sockets.Count > 0)
            {
                onClosed(sockets);
            }
        }

        return 0;
    }

    public void Dispose() => _handle.Dispose();
}
