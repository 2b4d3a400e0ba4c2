namespace Atalaya.Platform.Linux.Audit;

/// <summary>
/// One NETLINK_AUDIT socket: control requests (status, rules) with their acks, or, once registered as
/// the audit daemon through it, the stream of records. The sensor uses two: records are unicast to
/// the socket that sent AUDIT_SET pid, and keeping control on another keeps replies out of that stream.
/// </summary>
internal sealed class AuditNetlinkClient : IDisposable
{
    private const int ReplyBufferSize = 64 * 1024;
    private static readonly TimeSpan ControlTimeout = TimeSpan.FromSeconds(2);
    private readonly SafeNetlinkHandle _socket;
    private readonly byte[] _buffer = new byte[ReplyBufferSize];
    private uint _sequence;

    private AuditNetlinkClient(SafeNetlinkHandle socket) => _socket = socket;

    /// <summary>Opens a socket; errno is EPROTONOSUPPORT without CONFIG_AUDIT, EPERM/EACCES without privileges.</summary>
    public static AuditNetlinkClient? TryOpen(out int errno, TimeSpan? receiveTimeout = null, int receiveBuffer = 0)
    {
        var socket = Interop.OpenNetlink(Interop.NETLINK_AUDIT, Interop.SOCK_RAW, groups: 0, out errno);
        if (socket.IsInvalid)
        {
            return null;
        }

        _ = Interop.SetReceiveTimeout(socket, receiveTimeout ?? ControlTimeout);
        if (receiveBuffer > 0)
        {
            // A bigger buffer absorbs bursts while the reader thread is descheduled; best effort.
            _ = Interop.SetReceiveBuffer(socket, receiveBuffer, out _);
        }

        return new AuditNetlinkClient(socket);
    }

    public AuditStatus GetStatus()
    {
        var sequence = Send(AuditMessageType.Get, NetlinkFrame.FlagRequest, []);

        // The reply and an error can come in either order (the reply is queued by another kernel path).
        while (true)
        {
            var type = ReceiveReply(sequence, "AUDIT_GET", out var payload);
            if (type == AuditMessageType.NetlinkError)
            {
                var error = NetlinkFrame.ErrorOf(payload);
                if (error != 0)
                {
                    throw new AuditException("AUDIT_GET refused", error);
                }

                continue;
            }

            if (type == AuditMessageType.Get && AuditStatus.TryParse(payload, out var status))
            {
                return status;
            }
        }
    }

    public void SetStatus(AuditStatus status)
    {
        Span<byte> payload = stackalloc byte[AuditStatus.Size];
        status.WriteTo(payload);
        var error = Request(AuditMessageType.Set, payload);
        if (error != 0)
        {
            throw new AuditException($"AUDIT_SET ({status.Mask}) refused", error);
        }
    }

    /// <summary>Adds a rule; the errno (0 on success; EEXIST when the same rule is already there).</summary>
    public int AddRule(AuditRule rule) => Request(AuditMessageType.AddRule, AuditRuleCodec.Encode(rule));

    /// <summary>Deletes a rule by its exact content (the kernel matches the whole rule, not the key).</summary>
    public int DeleteRule(ReadOnlySpan<byte> ruleData) => Request(AuditMessageType.DeleteRule, ruleData);

    /// <summary>Every exit-list rule the kernel holds, decoded, with the bytes that delete it.</summary>
    public List<(AuditRule Rule, byte[] Data)> ListRules()
    {
        var sequence = Send(AuditMessageType.ListRules, NetlinkFrame.FlagRequest | NetlinkFrame.FlagAck, []);
        var rules = new List<(AuditRule, byte[])>();
        var done = false;
        var acked = false;
        while (!done || !acked)
        {
            var type = ReceiveReply(sequence, "AUDIT_LIST_RULES", out var payload);
            switch (type)
            {
                case AuditMessageType.NetlinkError:
                    var error = NetlinkFrame.ErrorOf(payload);
                    if (error != 0)
                    {
                        throw new AuditException("AUDIT_LIST_RULES refused", error);
                    }

                    acked = true;
                    break;
                case AuditMessageType.NetlinkDone:
                    done = true;
                    break;
                case AuditMessageType.ListRules when AuditRuleCodec.TryDecode(payload, out var rule):
                    rules.Add((rule, payload.ToArray()));
                    break;
            }
        }

        return rules;
    }

    /// <summary>
    /// One message of the record stream into <paramref name="buffer"/>; false on timeout (so the
    /// caller can check cancellation). errno ENOBUFS means the socket overflowed: records were lost.
    /// </summary>
    public bool TryReceive(Span<byte> buffer, out int length, out int errno)
    {
        var received = Interop.Receive(_socket, buffer);
        length = Math.Max(received, 0);
        errno = Math.Max(-received, 0);
        return received >= 0;
    }

    public void Dispose() => _socket.Dispose();

    private int Request(ushort type, ReadOnlySpan<byte> payload)
    {
        var sequence = Send(type, NetlinkFrame.FlagRequest | NetlinkFrame.FlagAck, payload);
        while (true)
        {
            var replyType = ReceiveReply(sequence, "audit request " + type, out var reply);
            if (replyType == AuditMessageType.NetlinkError)
            {
                return NetlinkFrame.ErrorOf(reply);
            }
        }
    }

    private uint Send(ushort type, ushort flags, ReadOnlySpan<byte> payload)
    {
        var sequence = ++_sequence;
        var message = NetlinkFrame.Build(type, flags, sequence, payload);
        var errno = Interop.Send(_socket, message);
        if (errno != 0)
        {
            throw new AuditException($"send of audit message {type} failed", errno);
        }

        return sequence;
    }

    /// <summary>The next message answering <paramref name="sequence"/>; records and stale replies are skipped.</summary>
    private ushort ReceiveReply(uint sequence, string what, out ReadOnlySpan<byte> payload)
    {
        while (true)
        {
            var length = Interop.Receive(_socket, _buffer);
            if (length < 0)
            {
                throw new AuditException(-length == Interop.EAGAIN ? $"{what}: no answer from the kernel" : $"{what}: receive failed", -length);
            }

            if (NetlinkFrame.TryRead(_buffer.AsSpan(0, length), out var type, out _, out var replySequence, out payload) && replySequence == sequence)
            {
                return type;
            }
        }
    }
}
