using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;

namespace Atalaya.Platform.Linux.Network;

/// <summary>
/// The shape both network collectors share: snapshot as state events, publish with a count, and
/// run one inventory cycle per interval until cancelled.
/// </summary>
internal static class NetworkPollLoop
{
    /// <summary>Every socket of one inventory as a state event.</summary>
    public static List<EcsEvent> States(NetworkEventBuilder events, List<ObservedSocket> sockets, DateTimeOffset now, string sensor)
    {
        var states = new List<EcsEvent>(sockets.Count);
        foreach (var socket in sockets)
        {
            states.Add(events.State(socket, now, sensor));
        }

        return states;
    }

    /// <summary>Publishes to <paramref name="output"/> and counts what was published.</summary>
    public static Action<EcsEvent> CountingEmitter(IEventPublisher output, CollectorCounters counters) => value =>
    {
        output.Publish(value);
        counters.Increment(NetworkCounterNames.EventsPublished);
    };

    /// <summary>Calls <paramref name="cycle"/> once per interval; returns normally on cancellation.</summary>
    public static async Task EveryIntervalAsync(TimeSpan interval, TimeProvider timeProvider, Action cycle, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                cycle();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}
