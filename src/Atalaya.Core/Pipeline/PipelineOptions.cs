using Atalaya.Core.Schema;

namespace Atalaya.Core.Pipeline;

/// <summary>Sizes and intervals of the running pipeline.</summary>
public sealed record PipelineOptions
{
    /// <summary>Events between collectors and detection.</summary>
    public int InputCapacity { get; init; } = 65_536;

    /// <summary>Events and alerts waiting for the store.</summary>
    public int StoreCapacity { get; init; } = 65_536;

    public int StoreBatchSize { get; init; } = 512;

    /// <summary>How long the writer waits to fill a batch before writing a partial one.</summary>
    public TimeSpan StoreFlushInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    public TimeSpan StatusInterval { get; init; } = TimeSpan.FromSeconds(2);

    public TimeSpan Retention { get; init; } = TimeSpan.FromDays(30);

    /// <summary>
    /// Which events are kept in the store after analysis. By default every event except
    /// sub-minute metric samples: analytics see each 1 s sample, history keeps the per-minute
    /// summaries (1,440 host rows a day instead of 86,400).
    /// </summary>
    public Func<EcsEvent, bool> ShouldStore { get; init; } = KeepAllButFineMetrics;

    /// <summary>How often a batch the store refused (locked, full disk) is tried again before it is counted lost.</summary>
    public int StoreRetries { get; init; } = 5;

    private static bool KeepAllButFineMetrics(EcsEvent value) =>
        value.Event.Kind != EventKinds.Metric || value.Atalaya?.Metrics?.IntervalSeconds is not < 60;
}
