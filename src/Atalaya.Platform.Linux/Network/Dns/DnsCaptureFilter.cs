namespace Atalaya.Platform.Linux.Network.Dns;

/// <summary>
/// The classic BPF program the kernel runs on every frame for the DNS sniffer: accept UDP from
/// port 53 over IPv4 (unfragmented, any header length) or IPv6 (UDP as the first next header),
/// reject everything else before it is copied to user space. The socket is SOCK_DGRAM, so offsets
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
        /* 2 */ Op(JeqK, 0, 7, 4),             // IPv4 → 3, else → 10
        /* 3 */ Op(LdB, 0, 0, 9),              // A = protocol
        /* 4 */ Op(JeqK, 0, 11, 17),           // UDP → 5, else reject (16)
        /* 5 */ Op(LdH, 0, 0, 6),              // A = flags + fragment offset
        /* 6 */ Op(JsetK, 9, 0, 0x1fff),       // a non-first fragment → reject (16)
        /* 7 */ Op(LdxMsh, 0, 0, 0),           // X = IPv4 header length
        /* 8 */ Op(LdHInd, 0, 0, 0),           // A = UDP source port
        /* 9 */ Op(JeqK, 5, 6, 53),            // 53 → accept (15), else reject (16)
        /* 10 */ Op(JeqK, 0, 5, 6),            // IPv6 → 11, else reject (16)
        /* 11 */ Op(LdB, 0, 0, 6),             // A = next header
        /* 12 */ Op(JeqK, 0, 3, 17),           // UDP → 13, else reject (16)
        /* 13 */ Op(LdH, 0, 0, 40),            // A = UDP source port
        /* 14 */ Op(JeqK, 0, 1, 53),           // 53 → accept (15), else reject (16)
        /* 15 */ Op(RetK, 0, 0, SnapLength),
        /* 16 */ Op(RetK, 0, 0, 0),
    ];

    private static Interop.SockFilter Op(ushort code, byte jt, byte jf, uint k) => new() { code = code, jt = jt, jf = jf, k = k };
}
