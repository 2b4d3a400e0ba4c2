using System.Collections.Concurrent;
using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Audit;
using Atalaya.Platform.Linux.Host;
using Atalaya.TestKit;

namespace Atalaya.Platform.Linux.Tests.Audit;

/// <summary>Tests that change the kernel's audit configuration: one at a time, never beside another collection.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class KernelAuditCollection
{
    public const string Name = "kernel-audit";
}

/// <summary>
/// A fact that needs to become the audit daemon: skipped, with the reason, when not root, when the
/// kernel has no audit, or when another daemon owns it (these tests never take it from an owner).
/// </summary>
public sealed class AuditFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> Reason = new(() =>
    {
        if (Environment.UserName != "root")
        {
            return "needs root (CAP_AUDIT_CONTROL) to become the audit daemon";
        }

        var status = AuditSession.TryReadStatus(out var reason);
        if (status is null)
        {
            return reason;
        }

        if (status.Value.Enabled == 2)
        {
            return "audit configuration is locked (enabled=2)";
        }

        return status.Value.Pid != 0 && Directory.Exists($"/proc/{status.Value.Pid}")
            ? $"audit is owned by pid {status.Value.Pid}: these tests do not take it over"
            : null;
    });

    public AuditFactAttribute()
    {
        if (Reason.Value is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>
/// An <see cref="AuditCollector"/> running with the rules a test gives it, collecting what it publishes.
/// Dispose stops it, which removes the rules and gives the subsystem back; the test then checks that.
/// </summary>
internal sealed class LiveAudit : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _run;
    private readonly Publisher _publisher = new();

    private LiveAudit(AuditCollector collector)
    {
        Collector = collector;
        _run = Task.Run(() => collector.RunAsync(_publisher, _stop.Token));
    }

    public AuditCollector Collector { get; }

    public ConcurrentQueue<EcsEvent> Events => _publisher.Events;

    public ConcurrentQueue<AuditEvent> Assembled { get; } = new();

    public static async Task<LiveAudit> StartAsync(IReadOnlyList<AuditRule> rules)
    {
        var collector = new AuditCollector(new AuditCollectorOptions { ExplicitRules = rules }, TimeProvider.System, LinuxHostInfo.Read(), new UserNameResolver());
        var live = new LiveAudit(collector);
        collector.Assembled += live.Assembled.Enqueue;
        var available = await Eventually.WaitForAsync(() => collector.Counters.Get(AuditCounterNames.Available), v => v == 1, attempts: 100, delayMilliseconds: 50);
        Assert.True(available == 1, "audit sensor did not start: " + collector.UnavailableReason);
        Assert.Equal(rules.Count, collector.InstalledRules!.Count);
        return live;
    }

    public static AuditRule ExecRule() => AuditRuleSet.Build(
        new AuditRuleOptions { Network = false, Ptrace = false, Modules = false, Identity = false, Watches = false, DeniedReads = false },
        AuditSyscallTable.ForThisMachine(), _ => WatchTarget.Missing)[0];

    public static AuditRule[] NetworkRules() => AuditRuleSet.Build(
        new AuditRuleOptions { Exec = false, Ptrace = false, Modules = false, Identity = false, Watches = false, DeniedReads = false, Compat32 = false },
        AuditSyscallTable.ForThisMachine(), _ => WatchTarget.Missing).ToArray();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _run;
        _stop.Dispose();
        Collector.Dispose();
    }

    /// <summary>After dispose: no daemon registered, no rule with our key left, enabled back to what it was.</summary>
    public static void AssertGivenBack(AuditStatus before)
    {
        var after = AuditSession.TryReadStatus(out var reason) ?? throw new InvalidOperationException(reason);
        Assert.Equal(0u, after.Pid);
        Assert.Equal(before.Enabled, after.Enabled);
        Assert.Equal(before.BacklogLimit, after.BacklogLimit);
        Assert.Equal(before.RateLimit, after.RateLimit);
        using var control = AuditNetlinkClient.TryOpen(out _) ?? throw new InvalidOperationException("audit socket");
        Assert.DoesNotContain(control.ListRules(), r => AuditKeys.IsOurs(r.Rule.Key));
    }

    private sealed class Publisher : IEventPublisher
    {
        public ConcurrentQueue<EcsEvent> Events { get; } = new();

        public void Publish(EcsEvent value) => Events.Enqueue(value);
    }
}
