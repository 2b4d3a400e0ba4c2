using System.Buffers.Binary;

namespace Atalaya.Platform.Linux.Processes;

/// <summary>
/// The real NETLINK_CONNECTOR socket subscribed to CN_IDX_PROC. .NET's Socket cannot open AF_NETLINK,
/// so this is plain P/Invoke; reads block (with a timeout) on the caller's dedicated thread.
/// </summary>
internal sealed class ProcConnectorSocket : IProcConnectorSocket
{
    private readonly SafeNetlinkHandle _handle;

    private ProcConnectorSocket(SafeNetlinkHandle handle, uint portId, int receiveBuffer, bool forced)
    {
        _handle = handle;
        PortId = portId;
        ReceiveBufferBytes = receiveBuffer;
        ReceiveBufferForced = forced;
    }

    public uint PortId { get; }

    /// <summary>What the kernel reports for SO_RCVBUF (twice the request: it counts its bookkeeping).</summary>
    public int ReceiveBufferBytes { get; }

    /// <summary>SO_RCVBUFFORCE was accepted; otherwise SO_RCVBUF was capped by net.core.rmem_max.</summary>
    public bool ReceiveBufferForced { get; }

    /// <summary>
    /// Opens, sizes, binds and subscribes, then waits for the kernel's acknowledgement (a PROC_EVENT_NONE
    /// carrying an error code). Null with a reason a person can act on when any step is refused.
    /// </summary>
    /// <param name="only">
    /// The event kinds to receive (a mask of <see cref="ProcEventKind"/>), filtered in the kernel so the
    /// others cost this process nothing; null: all. Only Linux 6.6+ knows the filter (older kernels
    /// ignore the whole subscription), so it is asked for there only and the caller must tolerate the rest.
    /// </param>
    public static ProcConnectorSocket? TryOpen(int receiveBufferBytes, TimeSpan receiveTimeout, out string? reason, ProcEventKind? only = null)
    {
        reason = null;
        var handle = Interop.OpenConnectorSocket(out var errno);
        if (handle.IsInvalid)
        {
            reason = $"socket(AF_NETLINK, NETLINK_CONNECTOR) failed: errno {errno}";
            handle.Dispose();
            return null;
        }

        try
        {
            var actual = Interop.SetReceiveBuffer(handle, receiveBufferBytes, out var forced);
            errno = Interop.BindNetlink(handle, ProcConnectorParser.ConnectorIndexProc);
            if (errno != 0)
            {
                // EPERM: binding to the connector's multicast group needs CAP_NET_ADMIN in the initial user namespace.
                reason = $"bind to CN_IDX_PROC failed: errno {errno}{(errno == Interop.EPERM ? " (needs root / CAP_NET_ADMIN)" : "")}";
                handle.Dispose();
                return null;
            }

            var portId = Interop.GetNetlinkPortId(handle);
            var filter = only is { } kinds && KernelFiltersEvents ? kinds : (ProcEventKind?)null;
            errno = Interop.Send(handle, ProcConnectorParser.BuildSubscription(listen: true, portId, filter));
            if (errno != 0)
            {
                reason = $"PROC_CN_MCAST_LISTEN failed: errno {errno}";
                handle.Dispose();
                return null;
            }

            // A filtered subscription's ack is filtered out too (its kind, none, matches no mask): no wait.
            _ = Interop.SetReceiveTimeout(handle, TimeSpan.FromSeconds(1));
            var ackError = filter is null ? WaitForAck(handle) : null;
            if (ackError is { } err && err != 0)
            {
                reason = $"the kernel refused PROC_CN_MCAST_LISTEN: error {err}";
                handle.Dispose();
                return null;
            }

            _ = Interop.SetReceiveTimeout(handle, receiveTimeout);
            return new ProcConnectorSocket(handle, portId, actual, forced);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public int Descriptor => (int)_handle.DangerousGetHandle();

    public int Receive(Span<byte> buffer) => Interop.Receive(_handle, buffer);

    public void Dispose() => _handle.Dispose();

    /// <summary>
    /// Linux 6.6 added struct proc_input (the kind filter) to PROC_CN_MCAST_LISTEN. On Linux, .NET's
    /// OSVersion is the kernel release.
    /// </summary>
    internal static bool KernelFiltersEvents => Environment.OSVersion.Version >= new Version(6, 6);

    /// <summary>
    /// The ack is the first PROC_EVENT_NONE; process events may come before it on a busy host and are
    /// dropped here (the sensor resyncs from /proc right after opening anyway). Null when none came
    /// within the timeout: old kernels do not always ack, and that is not a refusal.
    /// </summary>
    private static uint? WaitForAck(SafeNetlinkHandle handle)
    {
        Span<byte> buffer = stackalloc byte[1024];
        for (var i = 0; i < 64; i++)
        {
            var received = Interop.Receive(handle, buffer);
            if (received < 0)
            {
                return null;
            }

            ReadOnlySpan<byte> datagram = buffer[..received];
            while (ProcConnectorParser.TryReadNetlinkMessage(datagram, out var type, out var payload, out var rest))
            {
                if (type == 2 && payload.Length >= 4)
                {
                    // NLMSG_ERROR: struct nlmsgerr, a negative errno first.
                    return (uint)-BinaryPrimitives.ReadInt32LittleEndian(payload);
                }

                if (ProcConnectorParser.TryParse(payload, out var value) && value.Kind == ProcEventKind.None)
                {
                    return value.ExitCode;
                }

                datagram = rest;
            }
        }

        return null;
    }
}
