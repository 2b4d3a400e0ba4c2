using Atalaya.Core.Analytics;
using Atalaya.Core.Detection;
using Atalaya.Core.Intel;
using Atalaya.Core.Schema;
using Atalaya.Core.Scoring;

namespace Atalaya.Core.Tests.Intel;

public sealed class ThreatIntelAnalyticTests
{
    private const string BadHash = "2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70819";

    private static ThreatIntelAnalytic Analytic(string list) =>
        new(IndicatorSet.Build(IndicatorParser.Parse(list).Indicators.Select(i => new IndicatorHit(i, "feed.txt"))));

    private static DetectionEngine Engine(ThreatIntelAnalytic intel) => new([intel], new RiskScorer(), TimeProvider.System);

    private static EcsEvent HashedProcess(string hash) => SampleEvents.Process("/usr/local/bin/worker") with
    {
        Process = SampleEvents.Process("/usr/local/bin/worker").Process! with { Hash = new HashFields { Sha256 = hash } },
    };

    [Fact]
    public void An_executable_hash_on_the_list_is_confirmed_malicious()
    {
        var alerts = new List<EcsEvent>();
        Engine(Analytic(BadHash)).Process(HashedProcess(BadHash.ToUpperInvariant()), alerts);

        var alert = Assert.Single(alerts);
        Assert.Equal(Verdicts.ConfirmedMalicious, alert.Atalaya!.Verdict);
        Assert.Equal(ThreatIntelAnalytic.AnalyticId, alert.Rule!.Id);
        Assert.Equal(95, alert.Event.RiskScore);
        var evidence = Assert.Single(alert.Atalaya.Evidence!);
        Assert.Equal($"the executable /usr/local/bin/worker (pid 4242) has the SHA-256 {BadHash.ToUpperInvariant()}, listed in feed.txt", evidence.Detail);
    }

    [Fact]
    public void A_destination_address_in_a_listed_network_or_a_listed_domain_matches()
    {
        var intel = Analytic("198.51.100.0/24\nevil.example\n");
        var signals = new List<Signal>();
        var sink = new ListSink(signals);

        intel.Observe(SampleEvents.Connection("/usr/bin/curl", 77, "198.51.100.7", 443), sink);
        intel.Observe(SampleEvents.Connection("/usr/bin/curl", 78, "192.0.2.1", 443) with
        {
            Destination = new EndpointFields { Ip = "192.0.2.1", Port = 443, Domain = "cdn.evil.example" },
        }, sink);
        intel.Observe(SampleEvents.Connection("/usr/bin/curl", 79, "192.0.2.2", 443), sink);

        Assert.Equal(2, signals.Count);
        Assert.All(signals, s => Assert.True(s.IndicatorMatch));
        Assert.All(signals, s => Assert.Equal(SignalDomain.Network, s.Domain));
        Assert.Equal("curl (pid 77) talks to 198.51.100.7 port 443, listed in feed.txt as 198.51.100.0/24", signals[0].Detail);
        Assert.Equal("curl (pid 78) talks to cdn.evil.example, listed in feed.txt as evil.example", signals[1].Detail);
        Assert.Equal(2, intel.Matches);
    }

    [Fact]
    public void A_written_file_with_a_listed_hash_matches()
    {
        var intel = Analytic(BadHash);
        var signals = new List<Signal>();
        var file = new EcsEvent
        {
            Timestamp = SampleEvents.Now,
            Event = new EventFields { Kind = EventKinds.Event, Category = [EventCategories.File], Type = [EventTypes.Creation] },
            File = new FileFields { Path = "/tmp/payload", Hash = new HashFields { Sha256 = BadHash } },
        };

        intel.Observe(file, new ListSink(signals));

        var signal = Assert.Single(signals);
        Assert.Equal("file:/tmp/payload", signal.EntityKey);
        Assert.Equal(SignalDomain.File, signal.Domain);
        Assert.Equal($"the file /tmp/payload has the SHA-256 {BadHash}, listed in feed.txt", signal.Detail);
    }

    [Fact]
    public void Replacing_the_indicators_takes_effect_on_the_next_event()
    {
        var intel = Analytic("");
        var signals = new List<Signal>();

        intel.Observe(HashedProcess(BadHash), new ListSink(signals));
        Assert.Empty(signals);

        intel.Replace(IndicatorSet.Build([new IndicatorHit(new Indicator(IndicatorKind.Sha256, BadHash), "new.txt")]));
        intel.Observe(HashedProcess(BadHash), new ListSink(signals));

        Assert.Equal("new.txt", Assert.Single(signals).Detail[^7..]);
    }

    private sealed class ListSink(List<Signal> signals) : ISignalSink
    {
        public void Emit(Signal signal) => signals.Add(signal);
    }
}
