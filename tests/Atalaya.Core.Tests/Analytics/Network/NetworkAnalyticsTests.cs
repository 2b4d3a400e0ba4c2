using Atalaya.Core.Analytics;
using Atalaya.Core.Analytics.Network;
using Atalaya.Core.Schema;

namespace Atalaya.Core.Tests.Analytics.Network;

public sealed class NetworkAnalyticsTests
{
    private static EcsEvent Connect(DateTimeOffset at, string ip, int port, long? sent = 120, int pid = 777, string exe = "/tmp/.x/agent",
        string direction = "egress", int localPort = 40000, string action = "connection-opened", IReadOnlyList<string>? streams = null) =>
        SampleEvents.Connection(exe, pid, ip, port, direction) with
        {
            Timestamp = at,
            Event = new EventFields
            {
                Kind = EventKinds.Event,
                Category = [EventCategories.Network],
                Type = action == "connection-opened" ? [EventTypes.Connection, EventTypes.Start] : [EventTypes.Connection, EventTypes.End],
                Action = action,
                Start = action == "connection-opened" ? at : null,
            },
            Process = new ProcessFields { Pid = pid, Executable = exe, Name = PathClassifier.FileName(exe) },
            Source = new EndpointFields { Ip = "10.0.0.5", Port = localPort, Bytes = sent },
            Atalaya = new AtalayaFields { Network = new AtalayaNetworkFields { StandardStreams = streams } },
        };

    [Theory]
    [InlineData(new double[] { 1, 2, 3, 4, 5 }, 2, 3, 4, 0)]
    [InlineData(new double[] { 1, 1, 1, 1, 10 }, 1, 1, 1, 0)]
    [InlineData(new double[] { 1, 2, 2.2, 2.4, 10 }, 2, 2.2, 2.4, 0)]
    public void Quartiles_and_bowley_skew(double[] values, double q1, double median, double q3, double skew)
    {
        var (a, b, c) = RobustStatistics.Quartiles(values.AsSpan());
        Assert.Equal((q1, median, q3), (a, b, c), (x, y) => Math.Abs(x.Item1 - y.Item1) + Math.Abs(x.Item2 - y.Item2) + Math.Abs(x.Item3 - y.Item3) < 1e-9);
        Assert.Equal(skew, RobustStatistics.BowleySkew(a, b, c), 6);
        Assert.Equal(0.6, RobustStatistics.BowleySkew(0, 0.2, 1), 6);
    }

    [Fact]
    public void Twenty_connections_a_second_apart_with_small_jitter_are_a_beacon_with_plain_evidence()
    {
        var analytic = new BeaconingAnalytic();
        var sink = new ListSink();
        var random = new Random(7);
        var at = SampleEvents.Now;
        for (var i = 0; i < 20; i++)
        {
            at += TimeSpan.FromMilliseconds(1000 + random.Next(-50, 51));
            analytic.Observe(Connect(at, "198.51.100.10", 8443, sent: 200 + random.Next(0, 5)), sink);
        }

        var signal = Assert.Single(sink.Signals);
        Assert.Equal(BeaconingAnalytic.AnalyticId, signal.SourceId);
        Assert.Contains("connects to 198.51.100.10 port 8443 every 1.0", signal.Detail, StringComparison.Ordinal);
        Assert.Contains("(20 times)", signal.Detail, StringComparison.Ordinal);
        Assert.Equal(["T1071", "T1573"], signal.Techniques);
        Assert.True(signal.Confidence >= 0.85);
    }

    [Fact]
    public void Bursty_human_traffic_to_one_site_is_not_a_beacon()
    {
        var analytic = new BeaconingAnalytic();
        var sink = new ListSink();
        var random = new Random(3);
        var at = SampleEvents.Now;
        for (var i = 0; i < 60; i++)
        {
            // Browsing: bursts of quick requests, then long pauses, sizes all over the place.
            at += i % 6 == 0 ? TimeSpan.FromSeconds(random.Next(20, 300)) : TimeSpan.FromMilliseconds(random.Next(150, 900));
            analytic.Observe(Connect(at, "198.51.100.20", 443, sent: random.Next(300, 40_000)), sink);
        }

        Assert.Empty(sink.Signals);
    }

    [Fact]
    public void Fewer_connections_than_the_minimum_are_never_judged_and_loopback_is_skipped()
    {
        var analytic = new BeaconingAnalytic();
        var sink = new ListSink();
        for (var i = 1; i <= 19; i++)
        {
            analytic.Observe(Connect(SampleEvents.Now.AddSeconds(i), "198.51.100.10", 80), sink);
        }

        for (var i = 1; i <= 40; i++)
        {
            analytic.Observe(Connect(SampleEvents.Now.AddSeconds(i), "127.0.0.1", 9090, pid: 9), sink);
        }

        Assert.Empty(sink.Signals);
    }

    [Fact]
    public void A_pair_evicted_and_seen_again_starts_a_fresh_ring_and_reused_rings_carry_nothing_over()
    {
        var analytic = new BeaconingAnalytic(new BeaconingOptions { Capacity = 2 });
        var sink = new ListSink();
        var at = SampleEvents.Now;

        // 15 regular connections from pid 1, then two other pairs push it out (its ring is recycled).
        for (var i = 0; i < 15; i++)
        {
            at += TimeSpan.FromSeconds(1);
            analytic.Observe(Connect(at, "198.51.100.10", 8443, pid: 1), sink);
        }

        at += TimeSpan.FromSeconds(1);
        analytic.Observe(Connect(at, "198.51.100.11", 8443, pid: 2), sink);
        analytic.Observe(Connect(at, "198.51.100.12", 8443, pid: 3), sink);
        Assert.Equal(2, analytic.TrackedPairs);

        // Back again: 5 more would reach 20 if the old ring had survived; it must not.
        for (var i = 0; i < 5; i++)
        {
            at += TimeSpan.FromSeconds(1);
            analytic.Observe(Connect(at, "198.51.100.10", 8443, pid: 1), sink);
        }

        Assert.Empty(sink.Signals);

        // Pair 3 lives in pair 1's recycled ring: only its own 5 s rhythm may be judged (leftover
        // 1 s starts would make it report early, at the wrong period).
        for (var i = 0; i < 24; i++)
        {
            at += TimeSpan.FromSeconds(5);
            analytic.Observe(Connect(at, "198.51.100.12", 8443, pid: 3), sink);
        }

        var signal = Assert.Single(sink.Signals);
        Assert.Contains("connects to 198.51.100.12 port 8443 every 5.0", signal.Detail, StringComparison.Ordinal);
        Assert.Contains("(20 times)", signal.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void One_source_reaching_twenty_local_ports_is_an_inbound_scan_once()
    {
        var analytic = new InboundScanAnalytic();
        var sink = new ListSink();
        for (var port = 1; port <= 30; port++)
        {
            analytic.Observe(Connect(SampleEvents.Now.AddMilliseconds(port * 10), "198.51.100.66", 50000 + port, direction: "ingress", localPort: port), sink);
        }

        var signal = Assert.Single(sink.Signals);
        Assert.Equal("source.ip:198.51.100.66", signal.EntityKey);
        Assert.Contains("20 different local ports", signal.Detail, StringComparison.Ordinal);
        Assert.Equal(["T1046"], signal.Techniques);
    }

    [Fact]
    public void Ports_spread_over_longer_than_the_window_are_not_a_scan()
    {
        var analytic = new InboundScanAnalytic();
        var sink = new ListSink();
        for (var port = 1; port <= 30; port++)
        {
            analytic.Observe(Connect(SampleEvents.Now.AddMinutes(port * 5), "198.51.100.66", 50000, direction: "ingress", localPort: port), sink);
        }

        Assert.Empty(sink.Signals);
    }

    [Fact]
    public void Many_refused_attempts_from_one_process_are_an_outbound_scan()
    {
        var analytic = new OutboundScanAnalytic();
        var sink = new ListSink();
        for (var port = 1; port <= 25; port++)
        {
            analytic.Observe(Connect(SampleEvents.Now.AddMilliseconds(port), "198.51.100.10", port, sent: 0, action: "connection-failed"), sink);
        }

        var signal = Assert.Single(sink.Signals);
        Assert.Contains("20 of them refused", signal.Detail, StringComparison.Ordinal);
        Assert.Equal(60, signal.Weight);
    }

    [Fact]
    public void A_shell_with_stdin_and_stdout_on_a_socket_is_a_reverse_shell()
    {
        var analytic = new ReverseShellAnalytic();
        var sink = new ListSink();

        analytic.Observe(Connect(SampleEvents.Now, "198.51.100.10", 4444, exe: "/usr/bin/dash", streams: ["stdin", "stdout", "stderr"]), sink);
        analytic.Observe(Connect(SampleEvents.Now, "198.51.100.10", 4444, exe: "/usr/bin/python3", streams: ["stdin", "stdout"]), sink);
        analytic.Observe(Connect(SampleEvents.Now, "198.51.100.10", 4444, exe: "/usr/bin/bash", streams: ["stderr"]), sink);

        var signal = Assert.Single(sink.Signals);
        Assert.Equal(["T1059.004"], signal.Techniques);
        Assert.Contains("stdin, stdout, stderr on a TCP connection to 198.51.100.10 port 4444", signal.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void The_port_catalog_file_parses_and_mining_and_tor_ports_are_flagged_once()
    {
        var catalog = PortCatalog.Parse(File.ReadAllText(Path.Combine(TestCatalog.RepositoryRoot(), "rules", "catalogs", "ports.yml")));
        Assert.True(catalog.TryGet(9017, out var tor) && tor.Category == "tor");
        Assert.True(catalog.TryGet(14444, out var mining) && mining.Category == "mining");
        Assert.True(catalog.TryGet(6667, out var irc) && irc.Category == "irc");
        Assert.False(catalog.TryGet(443, out _));

        var analytic = new SuspiciousPortAnalytic(catalog);
        var sink = new ListSink();
        analytic.Observe(Connect(SampleEvents.Now, "198.51.100.7", 14444), sink);
        analytic.Observe(Connect(SampleEvents.Now.AddSeconds(1), "198.51.100.7", 14444), sink);
        analytic.Observe(Connect(SampleEvents.Now, "127.0.0.1", 9050), sink);
        analytic.Observe(Connect(SampleEvents.Now, "127.0.0.1", 3333), sink);
        analytic.Observe(Connect(SampleEvents.Now, "198.51.100.7", 22), sink);

        Assert.Equal(["T1496", "T1090.003"], sink.Signals.Select(s => s.Techniques[0]));
    }

    [Fact]
    public void An_empty_port_catalog_is_valid_and_empty() => Assert.Equal(0, PortCatalog.Parse("categories: {}\n").Count);

    [Theory]
    [InlineData("categories:\n  x:\n    ports: [70000]\n")]
    [InlineData("categories:\n  x:\n    ports: [10-1]\n")]
    [InlineData("categories:\n  ? [a, b]\n  : {ports: [22]}\n")]
    [InlineData("nope: 1\n")]
    [InlineData("- not a mapping\n")]
    [InlineData("categories: [unclosed\n")]
    public void A_bad_port_catalog_names_the_problem(string yaml) => Assert.Throws<CatalogException>(() => PortCatalog.Parse(yaml));

    [Fact]
    public void A_connection_held_over_an_hour_by_a_user_program_is_reported_when_it_closes()
    {
        var analytic = new LongLivedConnectionAnalytic();
        var sink = new ListSink();
        var opened = Connect(SampleEvents.Now, "198.51.100.10", 443);
        analytic.Observe(opened, sink);
        var closed = Connect(SampleEvents.Now.AddMinutes(61), "198.51.100.10", 443, action: "connection-closed") with
        {
            Event = opened.Event with { Action = "connection-closed", Type = [EventTypes.Connection, EventTypes.End], Start = SampleEvents.Now },
        };
        analytic.Observe(closed, sink);

        var signal = Assert.Single(sink.Signals);
        Assert.Contains("for 1.0 h", signal.Detail, StringComparison.Ordinal);
    }
}
