namespace Atalaya.Platform.Linux.Network.SockDiag;

/// <summary>
/// Dumps inet sockets through one NETLINK_SOCK_DIAG socket (request/reply, no groups). Opening
/// needs no privilege; a kernel without inet_diag (module absent, seccomp) fails <see cref="TryOpen"/>.
/// Not thread-safe: one dump at a time.
/// </summary>
internal sealed class SockDiagReader : IDisposable
{
    // Netlink dump datagrams are capped at 32 KiB by the kernel; twice that never truncates.
    private const int BufferLength = 64 * 1024;

    private readonly SafeNetlinkHandle _handle;
    private readonly byte[] _buffer = new byte[BufferLength];
    private readonly AddressCache _addresses = new();
    private uint _sequence;

    private SockDiagReader(SafeNetlinkHandle handle) => _handle = handle;

    /// <summary>Messages that did not parse, and dumps the kernel flagged as interrupted (NLM_F_DUMP_INTR).</summary>
    public long Malformed { get; private set; }

    public long Interrupted { get; private set; }

    public static SockDiagReader? TryOpen(out int errno)
    {
        var handle = Interop.OpenSockDiag(groups: 0, out errno);
        if (handle.IsInvalid)
        {
            handle.Dispose();
            return null;
        }

        return new SockDiagReader(handle);
    }

    /// <summary>
    /// Appends every socket of one family and protocol to <paramref name="output"/>. false with the
    /// errno when the kernel refused or the socket failed; what was read before stays in the list.
    /// </summary>
    public bool TryDump(byte family, byte protocol, uint states, List<InetDiagSocket> output, out int errno)
    {
        Span<byte> request = stackalloc byte[SockDiagParser.DumpRequestLength];
        SockDiagParser.WriteDumpRequest(request, family, protocol, states, ++_sequence);
        errno = Interop.Send(_handle, request);
        if (errno != 0)
        {
            return false;
        }

        while (true)
        {
            var length = Interop.Receive(_handle, _buffer);
            if (length < 0)
            {
                errno = -length;
                return false;
            }

            if (length == 0)
            {
                errno = Interop.EAGAIN;
                return false;
            }

            var status = SockDiagParser.ParseDatagram(_buffer.AsSpan(0, length), protocol, output, _addresses, out errno, out var malformed, out var interrupted);
            Malformed += malformed;
            if (interrupted)
            {
                Interrupted++;
            }

            switch (status)
            {
                case SockDiagDatagram.Done:
                    return true;
                case SockDiagDatagram.Error:
                    return false;
            }
        }
    }

    public void Dispose() => _handle.Dispose();
}
