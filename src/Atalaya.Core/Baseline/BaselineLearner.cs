using Atalaya.Core.Schema;

namespace Atalaya.Core.Baseline;

/// <summary>
/// Learning mode: counts the facts of every event as sightings of candidates, and promotes those seen
/// in <see cref="BaselineOptions.PromoteAfter"/> distinct slots. A slot is one hour of one learn run,
/// so three short runs, or one run over three hours, promote a fact that keeps recurring, while a
/// one-off (an admin's command, an attacker's first probe) stays a candidate. One thread.
/// </summary>
public sealed class BaselineLearner
{
    private readonly BaselineOptions _options;
    private readonly string _runId;
    private readonly Dictionary<BaselineKey, BaselineCandidate> _candidates = [];
    private readonly List<BaselineKey> _scratch = [];

    public BaselineLearner(BaselineOptions options, string runId, IEnumerable<BaselineCandidate> existing)
    {
        _options = options;
        _runId = runId;
        foreach (var candidate in existing)
        {
            _candidates[candidate.Key] = candidate;
        }
    }

    public IReadOnlyCollection<BaselineCandidate> Candidates => _candidates.Values;

    private long _lastSlotNumber;
    private string? _lastSlot;

    public long EventsObserved { get; private set; }

    /// <summary>New facts not recorded because <see cref="BaselineOptions.MaxCandidates"/> was reached.</summary>
    public long Dropped { get; private set; }

    /// <summary>The slot name, built once per slot: learning inside <c>run</c> sees every event.</summary>
    private string SlotOf(DateTimeOffset timestamp)
    {
        var number = timestamp.UtcTicks / Math.Max(1, _options.SlotWidth.Ticks);
        if (number != _lastSlotNumber || _lastSlot is null)
        {
            _lastSlotNumber = number;
            _lastSlot = $"{_runId}/{number}";
        }

        return _lastSlot;
    }

    public void Observe(EcsEvent value)
    {
        EventsObserved++;
        _scratch.Clear();
        if (BaselineFacts.Extract(value, _scratch) == 0)
        {
            return;
        }

        var slot = SlotOf(value.Timestamp);
        foreach (var key in _scratch)
        {
            if (_candidates.TryGetValue(key, out var candidate))
            {
                candidate.See(slot, value.Timestamp);
            }
            else if (_candidates.Count < _options.MaxCandidates)
            {
                _candidates[key] = new BaselineCandidate(key, 1, slot, value.Timestamp, value.Timestamp);
            }
            else
            {
                Dropped++;
            }
        }
    }

    /// <summary>Candidates with enough sightings that <paramref name="active"/> does not hold yet.</summary>
    public IReadOnlyList<BaselineKey> Promotable(BaselineSet active) =>
        [.. _candidates.Values.Where(c => c.Sightings >= _options.PromoteAfter && !active.Contains(c.Key)).Select(c => c.Key)];
}
