using Atalaya.Core.Analytics;

namespace Atalaya.Core.Scoring;

/// <summary>
/// Keeps the recent signals of each entity and re-scores it when a new one arrives. A signal
/// from the same source on the same entity replaces the older one (a process seen again by the
/// next poll is not new evidence). Bounded: at most <c>maxEntities</c> entities and
/// <c>maxSignalsPerEntity</c> signals each, the oldest evicted first.
/// </summary>
public sealed class RiskScorer
{
    private readonly BoundedEntityMap<string, EntitySignals> _entities;
    private readonly int _maxSignalsPerEntity;
    private readonly TimeSpan _memory;

    public RiskScorer(int maxEntities = 20_000, int maxSignalsPerEntity = 32, TimeSpan? memory = null)
    {
        _entities = new BoundedEntityMap<string, EntitySignals>(maxEntities, StringComparer.Ordinal);
        _maxSignalsPerEntity = maxSignalsPerEntity;
        _memory = memory ?? TimeSpan.FromHours(24);
    }

    public int EntityCount => _entities.Count;

    public long Evictions => _entities.Evictions;

    /// <summary>
    /// Adds a signal and returns the entity's new score when the signal changed it (new evidence
    /// or a higher score); null when it was a repeat that changes nothing.
    /// </summary>
    public RiskScore? Add(Signal signal)
    {
        if (!_entities.TryGetValue(signal.EntityKey, out var state))
        {
            state = new EntitySignals();
            _entities.Set(signal.EntityKey, state);
        }

        state.Signals.RemoveAll(s => signal.Timestamp - s.Timestamp > _memory);
        var existing = state.Signals.FindIndex(s => s.SourceId == signal.SourceId);
        if (existing >= 0)
        {
            var old = state.Signals[existing];
            if (old.Contribution >= signal.Contribution && old.Detail == signal.Detail)
            {
                return null;
            }

            state.Signals[existing] = signal;
        }
        else
        {
            if (state.Signals.Count >= _maxSignalsPerEntity)
            {
                state.Signals.RemoveAt(0);
            }

            state.Signals.Add(signal);
        }

        var score = RiskScore.Compute(state.Signals.ToArray());
        if (score.Score < state.LastScore && existing >= 0)
        {
            return null;
        }

        state.LastScore = score.Score;
        return score;
    }

    private sealed class EntitySignals
    {
        public List<Signal> Signals { get; } = [];

        public int LastScore { get; set; }
    }
}
