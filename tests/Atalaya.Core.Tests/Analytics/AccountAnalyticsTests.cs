using Atalaya.Core.Analytics;
using Atalaya.Core.Schema;
using Atalaya.Core.Scoring;

namespace Atalaya.Core.Tests.Analytics;

public sealed class AccountAnalyticsTests
{
    private static EcsEvent Account(string action, string name, string uid, AtalayaAccountFields account) => new()
    {
        Timestamp = SampleEvents.Now,
        Event = new EventFields { Kind = EventKinds.Event, Category = [EventCategories.Iam], Type = [EventTypes.User], Action = action, Dataset = Datasets.Account },
        User = new UserFields { Name = name, Id = uid },
        Atalaya = new AtalayaFields { Account = account },
    };

    private static EcsEvent Auth(string outcome, string ip, string user, int secondsAfter) => new()
    {
        Timestamp = SampleEvents.Now.AddSeconds(secondsAfter),
        Event = new EventFields
        {
            Kind = EventKinds.Event, Category = [EventCategories.Authentication], Type = [EventTypes.Start], Action = "ssh-login", Dataset = Datasets.Authentication, Outcome = outcome,
        },
        User = new UserFields { Name = user },
        Source = new EndpointFields { Ip = ip, Port = 40000 },
    };

    [Fact]
    public void New_account_is_low_and_a_second_root_is_high()
    {
        var plain = new ListSink();
        new AccountChangeAnalytic().Observe(Account("user-added", "bob", "1001", new AtalayaAccountFields { Shell = "/bin/bash", PasswordState = "locked" }), plain);
        var signal = Assert.Single(plain.Signals);
        Assert.Equal(("atalaya.analytic.account-change.new-account", "account:bob"), (signal.SourceId, signal.EntityKey));
        Assert.Equal(["T1136.001"], signal.Techniques);
        Assert.Equal("a new local account bob (uid 1001, shell /bin/bash) was created", signal.Detail);
        Assert.InRange(RiskScore.Compute(plain.Signals).Score, 25, 49);

        var root = new ListSink();
        new AccountChangeAnalytic().Observe(Account("user-added", "toor", "0", new AtalayaAccountFields { Shell = "/bin/bash", PasswordState = "empty" }), root);
        Assert.Equal(["new-account", "uid-zero", "empty-password"], root.Signals.Select(s => s.SourceId.Split('.').Last()));
        Assert.True(RiskScore.Compute(root.Signals).Score >= 90);
    }

    [Fact]
    public void Admin_group_login_shell_and_uid_change()
    {
        var sink = new ListSink();
        var analytic = new AccountChangeAnalytic();
        analytic.Observe(Account("group-member-added", "ana", "1000", new AtalayaAccountFields { Group = "sudo" }), sink);
        analytic.Observe(Account("group-member-added", "ana", "1000", new AtalayaAccountFields { Group = "audio" }), sink);
        analytic.Observe(Account("user-shell-changed", "daemon", "1", new AtalayaAccountFields { Shell = "/bin/sh", PreviousShell = "/usr/sbin/nologin" }), sink);
        analytic.Observe(Account("user-shell-changed", "ana", "1000", new AtalayaAccountFields { Shell = "/bin/zsh", PreviousShell = "/bin/bash" }), sink);
        analytic.Observe(Account("user-uid-changed", "games", "0", new AtalayaAccountFields()), sink);
        Assert.Equal(["admin-group", "login-shell", "uid-zero"], sink.Signals.Select(s => s.SourceId.Split('.').Last()));
        Assert.Equal("ana was added to the group sudo, whose members can act as root", sink.Signals[0].Detail);
    }

    [Fact]
    public void Failures_from_one_source_then_a_success_escalates()
    {
        var sink = new ListSink();
        var analytic = new BruteForceAnalytic(threshold: 5, window: TimeSpan.FromMinutes(5));
        for (var i = 0; i < 4; i++)
        {
            analytic.Observe(Auth(EventOutcomes.Failure, "203.0.113.9", i % 2 == 0 ? "root" : "admin", i), sink);
        }

        Assert.Empty(sink.Signals);
        analytic.Observe(Auth(EventOutcomes.Failure, "203.0.113.9", "oracle", 5), sink);
        var failures = Assert.Single(sink.Signals);
        Assert.Equal(("atalaya.analytic.brute-force.failures", "auth-source:203.0.113.9"), (failures.SourceId, failures.EntityKey));
        Assert.Equal("5 failed logins from 203.0.113.9 within 5 minutes (users tried: admin, oracle, root)", failures.Detail);
        Assert.InRange(RiskScore.Compute(sink.Signals).Score, 25, 49);

        // Another source's success is unrelated; this source's success after the guessing is the real finding.
        analytic.Observe(Auth(EventOutcomes.Success, "198.51.100.7", "ana", 6), sink);
        analytic.Observe(Auth(EventOutcomes.Success, "203.0.113.9", "root", 7), sink);
        Assert.Equal(2, sink.Signals.Count);
        Assert.Equal("203.0.113.9 logged in as root after a run of failed logins: the password guessing may have worked", sink.Signals[1].Detail);
        Assert.Equal(["T1110", "T1078"], sink.Signals[1].Techniques);
        Assert.True(RiskScore.Compute(sink.Signals).Score >= 75);
    }

    [Fact]
    public void Failures_spread_beyond_the_window_do_not_count()
    {
        var sink = new ListSink();
        var analytic = new BruteForceAnalytic(threshold: 3, window: TimeSpan.FromMinutes(1));
        for (var i = 0; i < 10; i++)
        {
            analytic.Observe(Auth(EventOutcomes.Failure, "203.0.113.9", "root", i * 40), sink);
        }

        analytic.Observe(Auth(EventOutcomes.Success, "203.0.113.9", "root", 401), sink);
        Assert.Empty(sink.Signals);
    }

    [Theory]
    [InlineData("login-records-removed", "/var/log/wtmp", "T1070.002", "/var/log/wtmp lost login records in place (10 records before, 2 now)")]
    [InlineData("history-linked-to-null", "/root/.bash_history", "T1070.003", "the shell history /root/.bash_history of root is a link to /dev/null, so nothing typed there is kept")]
    [InlineData("history-cleared", "/root/.bash_history", "T1070.003", "the shell history /root/.bash_history of root was emptied (from 10 bytes to 2)")]
    [InlineData("auth-log-truncated", "/var/log/auth.log", "T1070.002", "/var/log/auth.log was cut short in place (from 10 bytes to 2), which log rotation never does")]
    public void Log_tampering(string action, string path, string technique, string detail)
    {
        var sink = new ListSink();
        new LogTamperingAnalytic().Observe(new EcsEvent
        {
            Timestamp = SampleEvents.Now,
            Event = new EventFields { Kind = EventKinds.Event, Category = [EventCategories.File], Type = [EventTypes.Change], Action = action, Dataset = Datasets.Account },
            File = new FileFields { Path = path },
            User = new UserFields { Name = "root" },
            Atalaya = new AtalayaFields { Account = new AtalayaAccountFields { PreviousRecords = 10, Records = 2 } },
        }, sink);
        var signal = Assert.Single(sink.Signals);
        Assert.Equal([technique], signal.Techniques);
        Assert.Equal(detail, signal.Detail);
        Assert.Equal(SignalDomain.File, signal.Domain);
    }
}
