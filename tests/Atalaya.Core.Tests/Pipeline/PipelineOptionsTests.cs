using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;

namespace Atalaya.Core.Tests.Pipeline;

public sealed class PipelineOptionsTests
{
    [Theory]
    [InlineData(1.0, false)]
    [InlineData(59.9, false)]
    [InlineData(60.0, true)]
    public void Fine_metric_samples_are_analysed_but_not_stored(double interval, bool stored)
    {
        var sample = SampleEvents.Process("/usr/bin/x") with
        {
            Event = new EventFields { Kind = EventKinds.Metric, Category = [EventCategories.Host], Type = [EventTypes.Info] },
            Atalaya = new AtalayaFields { Metrics = new AtalayaMetricsFields { IntervalSeconds = interval } },
        };
        Assert.Equal(stored, new PipelineOptions().ShouldStore(sample));
    }

    [Fact]
    public void Everything_else_is_stored() =>
        Assert.True(new PipelineOptions().ShouldStore(SampleEvents.Process("/usr/bin/sleep")));
}
