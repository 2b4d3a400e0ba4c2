namespace Atalaya.Platform.Linux.Network.Dns;

/// <summary>
/// The classic BPF program the kernel runs on every frame for the DNS sniffer: accept UDP from or
/// to port 53 (answers, and the queries they must answer) over IPv4 (unfragmented, any header
/// length) or IPv6 (UDP as the first next header), reject everything else before it is copied to
/// user space. The socket is SOCK_DGRAM, so offsets
/// start at the IP header on every link type (Ethernet, loopback, tun).
/// </summary>
internal static class DnsCaptureFilter
{
    private const ushort LdB = 0x30;     // BPF_LD | BPF_B | BPF_ABS
    private const ushort LdH = 0x28;     // BPF_LD | BPF_H | BPF_ABS
    private const ushort LdHInd = 0x48;  // BPF_LD | BPF_H | BPF_IND
    private const ushort LdxMsh = 0xb1;  // BPF_LDX | BPF_B | BPF_MSH: X = 4 * (P[k] & 0xf)
    private const ushort RshK = 0x74;    // BPF_ALU | BPF_RSH | BPF_K
    private const ushort JeqK = 0x15;    // BPF_JMP | BPF_JEQ | BPF_K
    private const ushort JsetK = 0x45;   // BPF_JMP | BPF_JSET | BPF_K
    private const ushort RetK = 0x06;    // BPF_RET | BPF_K

    /// <summary>Bytes of each accepted packet copied to user space (a UDP DNS message is at most 65,535).</summary>
    public const uint SnapLength = 65_535;

    public static Interop.SockFilter[] Program() =>
    [
        /* 0 */ Op(LdB, 0, 0, 0),              // A = version/IHL byte
        /* 1 */ Op(RshK, 0, 0, 4),             // A = IP version
        /* 2 */ Op(JeqK, 0, 9, 4),             // IPv4 → 3, else → 12
        /* 3 */ Op(LdB, 0, 0, 9),              // A = protocol
        /* 4 */ Op(JeqK, 0, 15, 17),           // UDP → 5, else reject (20)
        /* 5 */ Op(LdH, 0, 0, 6),              // A = flags + fragment offset
        /* 6 */ Op(JsetK, 13, 0, 0x1fff),      // a non-first fragment → reject (20)
        /* 7 */ Op(LdxMsh, 0, 0, 0),           // X = IPv4 header length
        /* 8 */ Op(LdHInd, 0, 0, 0),           // A = UDP source port
        /* 9 */ Op(JeqK, 9, 0, 53),            // 53 (an answer) → accept (19)
        /* 10 */ Op(LdHInd, 0, 0, 2),          // A = UDP destination port
        /* 11 */ Op(JeqK, 7, 8, 53),           // 53 (a query) → accept (19), else reject (20)
        /* 12 */ Op(JeqK, 0, 7, 6),            // IPv6 → 13, else reject (20)
        /* 13 */ Op(LdB, 0, 0, 6),             // A = next header
        /* 14 */ Op(JeqK, 0, 5, 17),           // UDP → 15, else reject (20)
        /* 15 */ Op(LdH, 0, 0, 40),            // A = UDP source port
        /* 16 */ Op(JeqK, 2, 0, 53),           // 53 → accept (19)
        /* 17 */ Op(LdH, 0, 0, 42),            // A = UDP destination port
        /* 18 */ Op(JeqK, 0, 1, 53),           // 53 → accept (19), else reject (20)
        /* 19 */ Op(RetK, 0, 0, SnapLength),
        /* 20 */ Op(RetK, 0, 0, 0),
    ];

    private static Interop.SockFilter Op(ushort code, byte jt, byte jf, uint k) => new() { code = code, jt = jt, jf = jf, k = k };
}
