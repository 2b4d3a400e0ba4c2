using Atalaya.Core.Allowlist;
using Atalaya.Core.Analytics;
using Atalaya.Core.Detection;
using Atalaya.Core.Schema;
using Atalaya.Core.Scoring;

namespace Atalaya.Core.Tests.Allowlist;

public sealed class AllowListTests
{
    private const string Hash = "5e0b5ae8a1c3d2b4f6e7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9";
    private static readonly DateTimeOffset Now = SampleEvents.Now;

    private static AllowEntry Entry(string executable = "/tmp/atalaya-x/sshd", string? sha256 = null, string? rule = null,
        string? ip = null, int? port = null, TimeSpan? left = null) => new()
    {
        Id = 1,
        Executable = executable,
        Sha256 = sha256,
        RuleId = rule,
        DestinationIp = ip,
        DestinationPort = port,
        Until = Now + (left ?? TimeSpan.FromDays(7)),
        Who = "ana",
        Why = "vendor agent",
        Created = Now - TimeSpan.FromMinutes(1),
    };

    private static Signal SignalFor(EcsEvent subject, string source = MasqueradeAnalytic.AnalyticId) => new()
    {
        SourceId = source,
        SourceName = "test",
        EntityKey = "entity",
        Weight = 80,
        Confidence = 1,
        Domain = SignalDomain.Process,
        Detail = "detail",
        Timestamp = Now,
        Subject = subject,
    };

    private static EcsEvent Hashed(string executable, string? hash)
    {
        var value = SampleEvents.Process(executable);
        return value with { Process = value.Process! with { Hash = hash is null ? null : new HashFields { Sha256 = hash } } };
    }

    [Fact]
    public void An_entry_matches_its_executable_until_it_expires()
    {
        var list = new AllowList([Entry(left: TimeSpan.FromHours(1))]);
        var signal = SignalFor(SampleEvents.Process("/tmp/atalaya-x/sshd"));

        Assert.True(list.TryMatch(signal, Now, out var entry));
        Assert.Equal(1, entry!.Id);
        Assert.False(list.TryMatch(signal, Now + TimeSpan.FromHours(1), out _));
        Assert.False(list.TryMatch(SignalFor(SampleEvents.Process("/tmp/atalaya-x/cron")), Now, out _));
    }

    [Theory]
    [InlineData(Hash, true)]
    [InlineData("5E0B5AE8A1C3D2B4F6E7A8B9C0D1E2F3A4B5C6D7E8F9A0B1C2D3E4F5A6B7C8D9", true)]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000", false)]
    [InlineData(null, false)] // fails closed: no hash, no trust
    public void A_hash_pinned_entry_trusts_only_that_file(string? seen, bool trusted)
    {
        var list = new AllowList([Entry(sha256: Hash)]);

        Assert.Equal(trusted, list.TryMatch(SignalFor(Hashed("/tmp/atalaya-x/sshd", seen)), Now, out _));
    }

    [Fact]
    public void A_rule_scoped_entry_leaves_other_rules_armed()
    {
        var list = new AllowList([Entry(rule: MasqueradeAnalytic.AnalyticId)]);
        var process = SampleEvents.Process("/tmp/atalaya-x/sshd");

        Assert.True(list.TryMatch(SignalFor(process), Now, out _));
        Assert.False(list.TryMatch(SignalFor(process, ExecutionPathAnalytic.AnalyticId), Now, out _));
    }

    [Theory]
    [InlineData("198.51.100.7", null, "198.51.100.7", 443, true)]
    [InlineData("198.51.100.7", 443, "::ffff:198.51.100.7", 443, true)]
    [InlineData("198.51.100.7", 443, "198.51.100.7", 8443, false)]
    [InlineData("198.51.100.7", null, "198.51.100.8", 443, false)]
    [InlineData(null, 443, "203.0.113.1", 443, true)]
    public void A_destination_scoped_entry_trusts_only_that_endpoint(string? ip, int? port, string seenIp, int seenPort, bool trusted)
    {
        var list = new AllowList([Entry(executable: "/usr/bin/curl", ip: ip, port: port)]);

        Assert.Equal(trusted, list.TryMatch(SignalFor(SampleEvents.Connection("/usr/bin/curl", 9, seenIp, seenPort)), Now, out _));
    }

    [Fact]
    public void The_engine_counts_allowed_signals_raises_no_alert_and_re_arms_after_expiry()
    {
        var time = new ManualTime(Now);
        var engine = new DetectionEngine(
            [new MasqueradeAnalytic(TestCatalog.Get()), new ExecutionPathAnalytic()], new RiskScorer(), time)
        {
            AllowList = new AllowList([Entry(left: TimeSpan.FromMinutes(10))]),
        };
        var alerts = new List<EcsEvent>();

        engine.Process(SampleEvents.Process("/tmp/atalaya-x/sshd"), alerts);
        Assert.Empty(alerts);
        Assert.Equal(2, engine.SignalsAllowed);
        Assert.Equal(2, engine.SignalsEmitted);

        time.Now = Now + TimeSpan.FromMinutes(10);
        engine.Process(SampleEvents.Process("/tmp/atalaya-x/sshd"), alerts);
        Assert.NotEmpty(alerts);
        Assert.Equal(MasqueradeAnalytic.AnalyticId, alerts[^1].Rule!.Id);
        Assert.Equal(2, engine.SignalsAllowed);
    }

    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
