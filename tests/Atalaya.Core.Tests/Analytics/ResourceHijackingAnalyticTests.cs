using Atalaya.Core.Analytics;
using Atalaya.Core.Schema;
using Atalaya.Core.Scoring;

namespace Atalaya.Core.Tests.Analytics;

public sealed class ResourceHijackingAnalyticTests
{
    private static EcsEvent Sample(string executable, double cpu, int second) => new()
    {
        Timestamp = SampleEvents.Now.AddSeconds(second),
        Event = new EventFields { Kind = EventKinds.Metric, Category = [EventCategories.Host], Type = [EventTypes.Info], Action = "process-resource-sample", Dataset = Datasets.Metrics },
        Process = new ProcessFields { Pid = 77, EntityId = "e77", Name = "kworker", Executable = executable },
        Atalaya = new AtalayaFields { Metrics = new AtalayaMetricsFields { ProcessCpuPct = cpu, IntervalSeconds = 1 } },
    };

    private static EcsEvent Connection(int port) => SampleEvents.Process("/tmp/.x/kworker", pid: 77, entityId: "e77") with
    {
        Event = new EventFields { Kind = EventKinds.Event, Category = [EventCategories.Network], Type = [EventTypes.Connection], Action = "connection-established" },
        Destination = new EndpointFields { Ip = "203.0.113.50", Port = port },
        Network = new NetworkFields { Direction = "egress", Transport = "tcp" },
    };

    [Fact]
    public void Minutes_of_cpu_from_a_hidden_tmp_path_with_a_pool_port_is_likely_malicious()
    {
        var sink = new ListSink();
        var analytic = new ResourceHijackingAnalytic(sustained: TimeSpan.FromMinutes(3));
        for (var second = 0; second <= 180; second++)
        {
            analytic.Observe(Sample("/tmp/.x/kworker", 99, second), sink);
        }

        Assert.Equal(["sustained-cpu", "busy-from-user-writable"], sink.Signals.Select(s => s.SourceId.Split('.').Last()));
        Assert.Equal("/tmp/.x/kworker (pid 77) has kept 99% of a core busy for 3 minutes", sink.Signals[0].Detail);
        Assert.All(sink.Signals, s => Assert.Equal("e77", s.EntityKey));
        analytic.Observe(Connection(3333), sink);
        analytic.Observe(Connection(3333), sink);
        Assert.Equal(3, sink.Signals.Count);
        Assert.Equal(["T1496"], sink.Signals[2].Techniques);
        Assert.True(RiskScore.Compute(sink.Signals).Score >= 75);
    }

    [Fact]
    public void A_busy_compiler_is_benign_and_pauses_restart_the_count()
    {
        var sink = new ListSink();
        var analytic = new ResourceHijackingAnalytic(sustained: TimeSpan.FromMinutes(3));
        for (var second = 0; second <= 200; second++)
        {
            // Drops out of the top list for 30 s every 100 s: never three busy minutes in a row.
            if (second % 100 < 70)
            {
                analytic.Observe(Sample("/usr/bin/cc1plus", 100, second), sink);
            }
        }

        Assert.Empty(sink.Signals);
        for (var second = 300; second <= 500; second++)
        {
            analytic.Observe(Sample("/usr/bin/cc1plus", 100, second), sink);
        }

        var signal = Assert.Single(sink.Signals);
        Assert.InRange(RiskScore.Compute([signal]).Score, 0, 24);
    }
}
