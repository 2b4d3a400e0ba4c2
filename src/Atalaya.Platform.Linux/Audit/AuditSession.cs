using System.Globalization;

namespace Atalaya.Platform.Linux.Audit;

/// <summary>
/// Atalaya as the kernel's audit daemon for as long as this object lives: registers its pid, installs
/// its rules, and on dispose removes exactly those rules and gives the subsystem back as it found it
/// (enabled flag, rate and backlog limits). It never takes the subsystem from another owner: when a
/// daemon is registered (auditd, go-audit, osquery) it reports "owned by pid N" and does nothing.
/// </summary>
public sealed class AuditSession : IDisposable
{
    private readonly AuditNetlinkClient _control;
    private readonly AuditNetlinkClient _records;
    private readonly AuditStatus _before;
    private readonly List<AuditRule> _installed;
    private readonly Lock _gate = new();
    private bool _disposed;

    private AuditSession(AuditNetlinkClient control, AuditNetlinkClient records, AuditStatus before, List<AuditRule> installed,
        IReadOnlyList<(AuditRule Rule, int Errno)> refused, int staleRemoved)
    {
        _control = control;
        _records = records;
        _before = before;
        _installed = installed;
        Refused = refused;
        StaleRulesRemoved = staleRemoved;
    }

    /// <summary>The subsystem as found at start (what dispose restores).</summary>
    public AuditStatus Before => _before;

    public IReadOnlyList<AuditRule> InstalledRules => _installed;

    /// <summary>Rules the kernel refused, with the errno (an old kernel without a field, a path that vanished).</summary>
    public IReadOnlyList<(AuditRule Rule, int Errno)> Refused { get; }

    /// <summary>Rules with an Atalaya key found at start: left by a run that crashed.</summary>
    public int StaleRulesRemoved { get; }

    /// <summary>Reads the kernel's answer to AUDIT_GET without changing anything; null with a reason when it cannot.</summary>
    public static AuditStatus? TryReadStatus(out string? reason)
    {
        using var control = AuditNetlinkClient.TryOpen(out var errno);
        if (control is null)
        {
            reason = DescribeOpenFailure(errno);
            return null;
        }

        try
        {
            reason = null;
            return control.GetStatus();
        }
        catch (AuditException e)
        {
            reason = e.Errno is Interop.EPERM or Interop.EACCES ? "audit: not permitted (needs CAP_AUDIT_CONTROL)" : "audit: " + e.Message;
            return null;
        }
    }

    /// <summary>
    /// Becomes the audit daemon and installs <see cref="AuditSessionOptions.Rules"/>; null with a
    /// one-line reason (for <c>atalaya status</c>) when audit is absent, locked, refused or owned.
    /// </summary>
    public static AuditSession? TryStart(AuditSessionOptions options, out string? unavailableReason)
    {
        ArgumentNullException.ThrowIfNull(options);
        var control = AuditNetlinkClient.TryOpen(out var errno);
        if (control is null)
        {
            unavailableReason = DescribeOpenFailure(errno);
            return null;
        }

        AuditNetlinkClient? records = null;
        List<AuditRule> installed = [];
        try
        {
            var before = control.GetStatus();
            var self = (uint)Environment.ProcessId;
            if (before.Enabled == 2)
            {
                unavailableReason = "audit: configuration locked (enabled=2) until reboot";
                control.Dispose();
                return null;
            }

            // A pid whose /proc entry is gone is a daemon that died without unregistering: the kernel
            // replaces it after probing it (AUDIT_REPLACE), so only a live owner is respected here.
            if (before.Pid != 0 && before.Pid != self && Directory.Exists("/proc/" + before.Pid.ToString(CultureInfo.InvariantCulture)))
            {
                unavailableReason = OwnedBy(before.Pid);
                control.Dispose();
                return null;
            }

            var stale = RemoveOurRules(control);
            var refused = new List<(AuditRule, int)>();
            foreach (var rule in options.Rules)
            {
                var error = control.AddRule(rule);
                if (error == 0)
                {
                    installed.Add(rule);
                }
                else if (error != Interop.EEXIST)
                {
                    refused.Add((rule, error));
                }
            }

            records = AuditNetlinkClient.TryOpen(out errno, TimeSpan.FromMilliseconds(250), options.ReceiveBufferBytes)
                ?? throw new AuditException("could not open the record socket", errno);
            try
            {
                records.SetStatus(new AuditStatus
                {
                    Mask = AuditStatusMask.Enabled | AuditStatusMask.Pid | AuditStatusMask.RateLimit | AuditStatusMask.BacklogLimit
                        | (before.FeatureBitmap != 0 ? AuditStatusMask.BacklogWaitTime : AuditStatusMask.None),
                    Enabled = 1,
                    Pid = self,
                    RateLimit = options.RateLimit,
                    BacklogLimit = options.BacklogLimit,
                    BacklogWaitTime = options.BacklogWaitTime,
                });
            }
            catch (AuditException e) when (e.Errno == Interop.EEXIST)
            {
                // Another daemon registered between our AUDIT_GET and AUDIT_SET: it wins.
                foreach (var rule in installed)
                {
                    control.DeleteRule(AuditRuleCodec.Encode(rule));
                }

                unavailableReason = OwnedBy(control.GetStatus().Pid);
                records.Dispose();
                control.Dispose();
                return null;
            }

            unavailableReason = null;
            return new AuditSession(control, records, before, installed, refused, stale);
        }
        catch (AuditException e)
        {
            foreach (var rule in installed)
            {
                control.DeleteRule(AuditRuleCodec.Encode(rule));
            }

            unavailableReason = e.Errno is Interop.EPERM or Interop.EACCES
                ? "audit: not permitted (needs root: CAP_AUDIT_CONTROL)"
                : "audit: " + e.Message;
            records?.Dispose();
            control.Dispose();
            return null;
        }
    }

    /// <summary>The kernel's counters now (lost, backlog); thread-safe with the other control calls.</summary>
    public AuditStatus ReadStatus()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _control.GetStatus();
        }
    }

    /// <summary>Next record datagram; false on the receive timeout (250 ms) or an error in <paramref name="errno"/>.</summary>
    public bool TryReceive(Span<byte> buffer, out int length, out int errno) => _records.TryReceive(buffer, out length, out errno);

    /// <summary>Gives the subsystem back: previous enabled flag and limits, no daemon pid, our rules removed.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            try
            {
                // Disable first (when it was off) so no record is generated for a daemon that is leaving;
                // pid 0 unregisters us. Only the fields we changed are written back.
                _control.SetStatus(new AuditStatus
                {
                    Mask = AuditStatusMask.Enabled | AuditStatusMask.Pid | AuditStatusMask.RateLimit | AuditStatusMask.BacklogLimit
                        | (_before.FeatureBitmap != 0 ? AuditStatusMask.BacklogWaitTime : AuditStatusMask.None),
                    Enabled = _before.Enabled,
                    Pid = 0,
                    RateLimit = _before.RateLimit,
                    BacklogLimit = _before.BacklogLimit,
                    BacklogWaitTime = _before.BacklogWaitTime,
                });
            }
            catch (AuditException)
            {
                // Keep going: the rules must still be removed.
            }

            try
            {
                foreach (var rule in _installed)
                {
                    _control.DeleteRule(AuditRuleCodec.Encode(rule));
                }

                RemoveOurRules(_control);
            }
            catch (AuditException)
            {
                // What is left carries our key and is removed by the next start.
            }

            _records.Dispose();
            _control.Dispose();
        }
    }

    /// <summary>Deletes every rule whose key starts with <see cref="AuditKeys.Prefix"/>; how many.</summary>
    private static int RemoveOurRules(AuditNetlinkClient control)
    {
        var removed = 0;
        foreach (var (rule, data) in control.ListRules())
        {
            if (AuditKeys.IsOurs(rule.Key) && control.DeleteRule(data) == 0)
            {
                removed++;
            }
        }

        return removed;
    }

    private static string OwnedBy(uint pid)
    {
        var text = pid.ToString(CultureInfo.InvariantCulture);
        string? comm = null;
        try
        {
            comm = File.ReadAllText("/proc/" + text + "/comm").TrimEnd('\n');
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return comm is null ? $"audit: owned by pid {text}" : $"audit: owned by pid {text} ({comm})";
    }

    private static string DescribeOpenFailure(int errno) => errno switch
    {
        Interop.EPROTONOSUPPORT => "audit: kernel built without CONFIG_AUDIT",
        Interop.EPERM or Interop.EACCES => "audit: not permitted to open the audit socket",
        _ => "audit: socket failed, errno " + errno.ToString(CultureInfo.InvariantCulture),
    };
}
