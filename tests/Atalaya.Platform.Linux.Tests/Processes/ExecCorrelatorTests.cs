using System.Diagnostics;
using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Audit;
using Atalaya.Platform.Linux.Processes;

namespace Atalaya.Platform.Linux.Tests.Processes;

/// <summary>The exec correlator on hand-built events: both arrival orders, the wait, late partners, pid reuse, bounds.</summary>
public sealed class ExecCorrelatorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 2, 0, 0, TimeSpan.Zero);
    private static readonly long Ms = Stopwatch.Frequency / 1000;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Either_order_gives_one_event_with_audit_argv_and_proc_enrichment(bool connectorFirst)
    {
        var correlator = Active();
        var publish = new List<EcsEvent>();
        var connector = Connector(4242, T0.AddTicks(3_000), ["/usr/bin/python3", "rewritten"]);
        var audit = Audit(4242, T0, ["/usr/bin/python3", "-c", "print('a\nb')"]);
        var (first, second) = connectorFirst ? (ExecSource.Connector, ExecSource.Audit) : (ExecSource.Audit, ExecSource.Connector);

        correlator.Offer(first, connectorFirst ? connector : audit, 1000 * Ms, publish);
        Assert.Empty(publish);
        Assert.Equal(1, correlator.Waiting);
        correlator.Offer(second, connectorFirst ? audit : connector, 1001 * Ms, publish);

        var merged = Assert.Single(publish);
        Assert.Equal(0, correlator.Waiting);
        Assert.Equal(1, correlator.Counters.Get("merged"));
        Assert.Equal(ProcfsProcessCollector.ActionExec, merged.Event.Action);
        Assert.Equal([EventTypes.Start], merged.Event.Type);
        Assert.Equal("audit-77", merged.Event.Id);
        Assert.Equal(["/usr/bin/python3", "-c", "print('a\nb')"], merged.Process!.Args);
        Assert.Equal(3, merged.Process.ArgsCount);
        Assert.Equal(CommandLine.Join(["/usr/bin/python3", "-c", "print('a\nb')"]), merged.Process.CommandLine);
        Assert.Equal("/usr/bin/python3", merged.Process.Executable);
        Assert.Equal("/audit/cwd", merged.Process.WorkingDirectory);
        Assert.Equal("entity-4242", merged.Process.EntityId);
        Assert.Equal("abc123", merged.Process.Hash!.Sha256);
        Assert.Equal(4000, merged.Process.Parent!.Pid);
        Assert.Equal("/usr/bin/bash", merged.Process.Parent.Executable);
        Assert.Equal("container-1", merged.Atalaya!.Process!.ContainerId);
        Assert.Null(merged.Atalaya.Partial);
        Assert.Equal(connector.Timestamp, merged.Timestamp);
    }

    [Fact]
    public void A_connector_exec_without_audit_active_is_published_at_once_unchanged()
    {
        var correlator = new ExecCorrelator();
        correlator.SetActive(ExecSource.Connector, true);
        var publish = new List<EcsEvent>();
        var connector = Connector(10, T0, ["/usr/bin/true"]);

        correlator.Offer(ExecSource.Connector, connector, 0, publish);

        Assert.Same(connector, Assert.Single(publish));
        Assert.Equal(0, correlator.Waiting);
    }

    [Fact]
    public void A_lone_exec_is_published_after_the_wait_and_a_late_audit_argv_completes_it_once()
    {
        var correlator = Active();
        var publish = new List<EcsEvent>();
        correlator.Offer(ExecSource.Connector, Connector(11, T0, ["sleep", "1"]), 0, publish);

        correlator.TakeExpired(ExecSource.Connector, 99 * Ms, publish);
        Assert.Empty(publish);
        correlator.TakeExpired(ExecSource.Connector, 101 * Ms, publish);
        var alone = Assert.Single(publish);
        Assert.Equal(["sleep", "1"], alone.Process!.Args);
        publish.Clear();

        // Audit's record arrives after the wait: its argv differs from the (rewritten) cmdline.
        correlator.Offer(ExecSource.Audit, Audit(11, T0, ["/usr/bin/sleep", "1"]), 200 * Ms, publish);
        var completion = Assert.Single(publish);
        Assert.Equal(ExecCorrelator.ActionCompleted, completion.Event.Action);
        Assert.Equal([EventTypes.Change], completion.Event.Type);
        Assert.Equal(["/usr/bin/sleep", "1"], completion.Process!.Args);
        Assert.Equal("entity-11", completion.Process.EntityId);
        Assert.Equal(1, correlator.Counters.Get("completed"));
        Assert.Equal(0, correlator.Waiting);
    }

    [Fact]
    public void A_late_audit_exec_that_adds_nothing_is_dropped()
    {
        var correlator = Active();
        var publish = new List<EcsEvent>();
        correlator.Offer(ExecSource.Connector, Connector(12, T0, ["/usr/bin/true", "x"]), 0, publish);
        correlator.TakeExpired(ExecSource.Connector, 150 * Ms, publish);
        Assert.Single(publish);

        correlator.Offer(ExecSource.Audit, Audit(12, T0, ["/usr/bin/true", "x"]), 200 * Ms, publish);

        Assert.Single(publish);
        Assert.Equal(1, correlator.Counters.Get("late_dropped"));
    }

    [Fact]
    public void An_audit_exec_alone_is_published_after_the_wait_as_audit_reported_it()
    {
        var correlator = Active();
        var publish = new List<EcsEvent>();
        var audit = Audit(13, T0, ["/usr/bin/id"]);
        correlator.Offer(ExecSource.Audit, audit, 0, publish);

        // The connector's thread never publishes audit's event.
        correlator.TakeExpired(ExecSource.Connector, 500 * Ms, publish);
        Assert.Empty(publish);
        correlator.TakeExpired(ExecSource.Audit, 500 * Ms, publish);
        Assert.Same(audit, Assert.Single(publish));
    }

    [Fact]
    public void A_reused_pid_is_not_merged_with_the_previous_holders_exec()
    {
        var correlator = Active();
        var publish = new List<EcsEvent>();
        correlator.Offer(ExecSource.Audit, Audit(14, T0, ["/old"]), 0, publish);
        correlator.Offer(ExecSource.Connector, Connector(14, T0.AddSeconds(5), ["/new"]), Ms, publish);

        Assert.Empty(publish);
        Assert.Equal(2, correlator.Waiting);
        correlator.TakeExpired(ExecSource.Audit, 200 * Ms, publish);
        correlator.TakeExpired(ExecSource.Connector, 200 * Ms, publish);
        Assert.Equal([["/old"], ["/new"]], publish.Select(e => e.Process!.Args!.ToArray()));
        Assert.Equal(0, correlator.Counters.Get("merged"));
    }

    [Fact]
    public void Two_execs_of_one_pid_in_a_row_pair_first_with_first()
    {
        var correlator = Active();
        var publish = new List<EcsEvent>();
        correlator.Offer(ExecSource.Connector, Connector(15, T0, ["sh"]), 0, publish);
        correlator.Offer(ExecSource.Connector, Connector(15, T0.AddMilliseconds(1), ["prog"]), Ms, publish);
        correlator.Offer(ExecSource.Audit, Audit(15, T0, ["/bin/sh", "-c", "exec prog"]), 2 * Ms, publish);
        correlator.Offer(ExecSource.Audit, Audit(15, T0.AddMilliseconds(1), ["prog", "--flag"]), 3 * Ms, publish);

        Assert.Equal([["/bin/sh", "-c", "exec prog"], ["prog", "--flag"]], publish.Select(e => e.Process!.Args!.ToArray()));
        Assert.Equal(2, correlator.Counters.Get("merged"));
    }

    // Captured by the curve bench at 1,600 execs/s (load 19-25, two cores): audit stamped the execve's
    // entry at 18.644, the connector its commit at 18.7504822. With a symmetric 100 ms tolerance
    // neither matched and both were published alone: two starts for exec 5373.
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void An_exec_whose_commit_trails_its_audit_entry_by_more_than_the_tolerance_is_one_start(bool connectorFirst)
    {
        var correlator = Active();
        var publish = new List<EcsEvent>();
        var entry = new DateTimeOffset(2026, 11, 22, 3, 48, 18, 644, TimeSpan.Zero);
        var connector = Connector(14302, entry.AddTicks(1_064_822), ["/usr/bin/true", "atalaya-curve-f564cf71", "5373"]);
        var audit = Audit(14302, entry, ["/usr/bin/true", "atalaya-curve-f564cf71", "5373"]);

        correlator.Offer(connectorFirst ? ExecSource.Connector : ExecSource.Audit, connectorFirst ? connector : audit, 0, publish);
        correlator.Offer(connectorFirst ? ExecSource.Audit : ExecSource.Connector, connectorFirst ? audit : connector, 56 * Ms, publish);
        correlator.TakeExpired(ExecSource.Connector, 700 * Ms, publish);
        correlator.TakeExpired(ExecSource.Audit, 700 * Ms, publish);

        var merged = Assert.Single(publish);
        Assert.Equal(ProcfsProcessCollector.ActionExec, merged.Event.Action);
        Assert.Equal(["/usr/bin/true", "atalaya-curve-f564cf71", "5373"], merged.Process!.Args);
        Assert.Equal(connector.Timestamp, merged.Timestamp);
        Assert.Equal(1, correlator.Counters.Get("merged"));
        Assert.Equal(0, correlator.Counters.Get("alone"));
        Assert.Equal(0, correlator.Waiting);
    }

    [Fact]
    public void A_late_audit_exec_stamped_well_before_the_published_connector_exec_completes_it_instead_of_starting_again()
    {
        var correlator = Active();
        var publish = new List<EcsEvent>();
        correlator.Offer(ExecSource.Connector, Connector(16, T0.AddMilliseconds(400), ["/usr/bin/true", "x"]), 0, publish);
        correlator.TakeExpired(ExecSource.Connector, 150 * Ms, publish);
        Assert.Single(publish);

        correlator.Offer(ExecSource.Audit, Audit(16, T0, ["/usr/bin/true", "x"]), 300 * Ms, publish);
        correlator.TakeExpired(ExecSource.Audit, 900 * Ms, publish);

        Assert.Single(publish);
        Assert.Equal(1, correlator.Counters.Get("late_dropped"));
        Assert.Equal(0, correlator.Waiting);
    }

    [Fact]
    public void An_audit_exec_stamped_after_the_connector_exec_beyond_the_tolerance_is_another_exec()
    {
        // Audit's entry cannot follow the exec's commit: a later audit time is a later exec.
        var correlator = Active();
        var publish = new List<EcsEvent>();
        correlator.Offer(ExecSource.Connector, Connector(17, T0, ["/first"]), 0, publish);
        correlator.Offer(ExecSource.Audit, Audit(17, T0.AddMilliseconds(150), ["/second"]), Ms, publish);

        Assert.Empty(publish);
        Assert.Equal(2, correlator.Waiting);
    }

    [Fact]
    public void A_late_audit_exec_pairs_with_the_published_first_exec_not_the_waiting_second()
    {
        var correlator = Active();
        var publish = new List<EcsEvent>();
        correlator.Offer(ExecSource.Connector, Connector(18, T0, ["sh", "-c", "exec prog"]), 0, publish);
        correlator.TakeExpired(ExecSource.Connector, 101 * Ms, publish);
        correlator.Offer(ExecSource.Connector, Connector(18, T0.AddMilliseconds(50), ["prog"]), 120 * Ms, publish);
        Assert.Single(publish);

        correlator.Offer(ExecSource.Audit, Audit(18, T0, ["/bin/sh", "-c", "exec prog"]), 130 * Ms, publish);
        correlator.Offer(ExecSource.Audit, Audit(18, T0.AddMilliseconds(49), ["prog", "--flag"]), 131 * Ms, publish);

        // Within the tolerance of both, the first audit exec still belongs to the older, published exec:
        // it adds its argv to the published first start; the second merges with the waiting second.
        Assert.Equal(3, publish.Count);
        Assert.Equal(ExecCorrelator.ActionCompleted, publish[1].Event.Action);
        Assert.Equal(["/bin/sh", "-c", "exec prog"], publish[1].Process!.Args);
        Assert.Equal(ProcfsProcessCollector.ActionExec, publish[2].Event.Action);
        Assert.Equal([EventTypes.Start], publish[2].Event.Type);
        Assert.Equal(["prog", "--flag"], publish[2].Process!.Args);
        Assert.Equal(0, correlator.Waiting);
    }

    [Fact]
    public void The_counters_reach_the_audit_collectors_for_status()
    {
        var correlator = Active();
        using var collector = new AuditCollector(new AuditCollectorOptions(), TimeProvider.System, host: null, users: null) { ExecCorrelator = correlator };
        var publish = new List<EcsEvent>();
        correlator.Offer(ExecSource.Connector, Connector(19, T0, ["/usr/bin/id"]), 0, publish);
        correlator.Offer(ExecSource.Audit, Audit(19, T0, ["/usr/bin/id"]), Ms, publish);
        correlator.Offer(ExecSource.Audit, Audit(21, T0, ["/usr/bin/id"]), Ms, publish);
        correlator.TakeExpired(ExecSource.Audit, 200 * Ms, publish);

        var status = collector.Counters.Snapshot();
        Assert.Equal(1, status["exec_merged"]);
        Assert.Equal(1, status["exec_alone"]);
        Assert.Equal(1, correlator.Counters.Get("merged"));
        Assert.Equal(1, correlator.Counters.Get("alone"));
    }

    [Fact]
    public void An_exit_during_the_wait_is_published_after_the_start()
    {
        var correlator = Active();
        var publish = new List<EcsEvent>();
        correlator.Offer(ExecSource.Connector, Connector(16, T0, ["true"]), 0, publish);
        var ended = Connector(16, T0.AddMilliseconds(1), ["true"]) with { Event = new EventFields { Kind = EventKinds.Event, Category = [EventCategories.Process], Action = ProcfsProcessCollector.ActionEnded, Type = [EventTypes.End] } };

        Assert.True(correlator.TryHoldBehind(ExecSource.Connector, 16, ended));
        Assert.False(correlator.TryHoldBehind(ExecSource.Connector, 17, ended));
        correlator.Offer(ExecSource.Audit, Audit(16, T0, ["/usr/bin/true"]), Ms, publish);

        Assert.Equal([ProcfsProcessCollector.ActionExec, ProcfsProcessCollector.ActionEnded], publish.Select(e => e.Event.Action));
    }

    [Fact]
    public void Past_capacity_the_oldest_waiting_exec_is_released_alone()
    {
        var correlator = new ExecCorrelator(new ExecCorrelatorOptions { Capacity = 2 });
        correlator.SetActive(ExecSource.Connector, true);
        correlator.SetActive(ExecSource.Audit, true);
        var publish = new List<EcsEvent>();
        for (var pid = 1; pid <= 3; pid++)
        {
            correlator.Offer(ExecSource.Connector, Connector(pid, T0, ["p" + pid]), pid, publish);
        }

        Assert.Equal(2, correlator.Waiting);
        Assert.Equal(1, correlator.Counters.Get("evicted"));
        correlator.TakeExpired(ExecSource.Connector, 4, publish);
        Assert.Equal(1, Assert.Single(publish).Process!.Pid);
    }

    [Fact]
    public void When_audit_stops_the_waiting_connector_execs_are_released_at_once()
    {
        var correlator = Active();
        var publish = new List<EcsEvent>();
        correlator.Offer(ExecSource.Connector, Connector(18, T0, ["x"]), 0, publish);
        correlator.SetActive(ExecSource.Audit, false);

        correlator.TakeExpired(ExecSource.Connector, 1, publish);

        Assert.Single(publish);
    }

    [Fact]
    public void A_proc_view_of_a_later_image_lends_no_hash_to_the_audited_one()
    {
        var connector = Connector(19, T0, ["prog"]);
        connector = connector with { Process = connector.Process! with { Executable = "/usr/bin/prog" } };
        var audit = Audit(19, T0, ["/bin/sh", "-c", "exec prog"]);
        audit = audit with { Process = audit.Process! with { Executable = "/usr/bin/dash", Name = "sh" } };

        var merged = ExecEventMerger.Merge(connector, audit);

        Assert.Equal("/usr/bin/dash", merged.Process!.Executable);
        Assert.Equal("sh", merged.Process.Name);
        Assert.Null(merged.Process.Hash);
        Assert.Null(merged.Atalaya!.Process!.ExecutableSize);
    }

    [Fact]
    public void Merged_is_partial_only_when_neither_side_could_fill_it()
    {
        var gone = Connector(20, T0, []) with { Atalaya = new AtalayaFields { Partial = true } };
        gone = gone with { Process = gone.Process! with { Executable = null, Hash = null } };

        Assert.Null(ExecEventMerger.Merge(gone, Audit(20, T0, ["/usr/bin/true"])).Atalaya!.Partial);
        var auditPartial = Audit(20, T0, ["/usr/bin/true"]) with { Atalaya = new AtalayaFields { Partial = true } };
        Assert.True(ExecEventMerger.Merge(gone, auditPartial).Atalaya!.Partial);
    }

    private static ExecCorrelator Active()
    {
        var correlator = new ExecCorrelator();
        correlator.SetActive(ExecSource.Connector, true);
        correlator.SetActive(ExecSource.Audit, true);
        return correlator;
    }

    private static EcsEvent Connector(int pid, DateTimeOffset at, string[] args) => new()
    {
        Timestamp = at,
        Event = new EventFields { Kind = EventKinds.Event, Category = [EventCategories.Process], Type = [EventTypes.Start], Action = ProcfsProcessCollector.ActionExec },
        Process = new ProcessFields
        {
            Pid = pid,
            EntityId = "entity-" + pid,
            Name = "python3",
            Executable = "/usr/bin/python3",
            Args = args,
            ArgsCount = args.Length,
            CommandLine = args.Length == 0 ? null : CommandLine.Join(args),
            WorkingDirectory = "/proc/cwd",
            Hash = new HashFields { Sha256 = "abc123" },
            Parent = new ProcessFields { Pid = 4000, Executable = "/usr/bin/bash" },
        },
        Atalaya = new AtalayaFields { Process = new AtalayaProcessFields { ContainerId = "container-1", ExecutableSize = 1234 } },
    };

    private static EcsEvent Audit(int pid, DateTimeOffset at, string[] args) => new()
    {
        Timestamp = at,
        Event = new EventFields
        {
            Kind = EventKinds.Event, Category = [EventCategories.Process], Type = [EventTypes.Start], Action = AuditEventMapper.ActionExec,
            Outcome = EventOutcomes.Success, Id = "audit-77",
        },
        Process = new ProcessFields
        {
            Pid = pid,
            Name = "python3",
            Executable = "/usr/bin/python3",
            Args = args,
            ArgsCount = args.Length,
            CommandLine = CommandLine.Join(args),
            WorkingDirectory = "/audit/cwd",
            Parent = new ProcessFields { Pid = 4000 },
        },
    };
}
