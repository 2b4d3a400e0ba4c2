namespace Atalaya.Platform.Linux.Network;

/// <summary>
/// The <c>st</c> column of <c>/proc/net/{tcp,udp}*</c>: the kernel's <c>TCP_*</c> state numbers
/// (include/net/tcp_states.h). UDP reuses them: 1 for a connected socket, 7 for an unconnected one.
/// </summary>
internal enum TcpState : byte
{
    Unknown = 0,
    Established = 1,
    SynSent = 2,
    SynRecv = 3,
    FinWait1 = 4,
    FinWait2 = 5,
    TimeWait = 6,
    Close = 7,
    CloseWait = 8,
    LastAck = 9,
    Listen = 10,
    Closing = 11,
    NewSynRecv = 12,

    /// <summary>Linux 6.7+: bound but neither listening nor connected (seen through sock_diag, listed for completeness).</summary>
    BoundInactive = 13,
}

internal static class TcpStateNames
{
    /// <summary>
    /// The name the kernel and <c>ss</c> use. For UDP, state 7 means "bound, not connected" and is
    /// named UNCONN like <c>ss</c> does, because CLOSE would read as a finished socket.
    /// </summary>
    public static string ToKernelName(this TcpState state, bool udp) => state switch
    {
        TcpState.Established => "ESTABLISHED",
        TcpState.SynSent => "SYN_SENT",
        TcpState.SynRecv => "SYN_RECV",
        TcpState.FinWait1 => "FIN_WAIT1",
        TcpState.FinWait2 => "FIN_WAIT2",
        TcpState.TimeWait => "TIME_WAIT",
        TcpState.Close => udp ? "UNCONN" : "CLOSE",
        TcpState.CloseWait => "CLOSE_WAIT",
        TcpState.LastAck => "LAST_ACK",
        TcpState.Listen => "LISTEN",
        TcpState.Closing => "CLOSING",
        TcpState.NewSynRecv => "NEW_SYN_RECV",
        TcpState.BoundInactive => "BOUND_INACTIVE",
        _ => "UNKNOWN",
    };
}
