using System.Globalization;
using System.Text;
using Atalaya.Core.Analytics;
using Atalaya.Core.Schema;

namespace Atalaya.Core.Detection.Sigma;

/// <summary>
/// Evaluates correlation rules over the matches of the rules they reference. State is kept per
/// (correlation, group-by values) in a <see cref="BoundedEntityMap{TKey,TValue}"/>: when a
/// correlation has more live groups than the cap, the least recently touched group is evicted and
/// counted, so a million distinct users or addresses cannot grow the agent without bound. Each
/// group's own state is bounded by the condition (a rising condition keeps at most its threshold
/// of timestamps or values).
/// <para>
/// Time is the events' own timestamps, never the wall clock: replaying a log gives the same result.
/// Rising conditions (gt, gte) use a sliding window and fire the moment the count is reached, then
/// start over (another burst of the same size fires again). Conditions with an upper bound (lt, lte,
/// eq, ranges) can only be decided when a window is over: windows start at a group's first event and
/// close when any later event the analytic sees (<see cref="Advance"/>, not only one of that
/// correlation) carries a time past their end; a host that sends no event at all leaves the last
/// window undecided until the next one.
/// </para>
/// A correlation that fires feeds the correlations that reference it (chaining). Called from one
/// thread; only the counters (<see cref="Fired"/>, <see cref="Groups"/>, <see cref="Evictions"/>) may be read from another.
/// </summary>
internal sealed class SigmaCorrelationEngine(SigmaCorrelationIndex index, int maxGroupsPerCorrelation, Action<string> failed)
{
    /// <summary>Groups kept per correlation before the least recently touched is evicted.</summary>
    public const int DefaultGroupsPerCorrelation = 16_384;

    private const char KeySeparator = '\u001f';

    private readonly Dictionary<SigmaCorrelation, CorrelationState> _states = new(ReferenceEqualityComparer.Instance);

    // The correlations decided when a window closes, and the event time at which the earliest of
    // their sweeps is due: Advance on a non-matching event is one comparison.
    private readonly SigmaCorrelation[] _windowed = [.. index.Correlations.Where(c => !c.Condition.IsRising)];
    private long _nextSweep = long.MaxValue;

    // Counters kept as they change rather than summed over _states, which a status reader on
    // another thread must not enumerate while the engine's thread adds to it.
    private long _fired;
    private long _groups;
    private long _evictions;

    /// <summary>Correlation matches (each may or may not raise a signal, see generate).</summary>
    public long Fired => Interlocked.Read(ref _fired);

    /// <summary>Live groups over all correlations.</summary>
    public long Groups => Interlocked.Read(ref _groups);

    /// <summary>Groups evicted because their correlation reached its cap.</summary>
    public long Evictions => Interlocked.Read(ref _evictions);

    /// <summary>
    /// Event time moved to <paramref name="now"/> (UTC ticks of any event the analytic sees): closes
    /// and decides the windows that are over, every quarter span of event time per correlation, so a
    /// group whose own rules went silent is decided by the host's other events.
    /// </summary>
    public void Advance(long now, ISignalSink signals)
    {
        if (now < _nextSweep)
        {
            return;
        }

        // Recomputed in place: a chained correlation that fires here can open another one's first
        // window (Update lowers _nextSweep), which must not be overwritten.
        _nextSweep = long.MaxValue;
        foreach (var correlation in _windowed)
        {
            if (!_states.TryGetValue(correlation, out var state))
            {
                continue;
            }

            if (now >= state.NextSweep)
            {
                var span = correlation.Timespan.Ticks;
                state.NextSweep = now + SweepInterval(span);
                List<Firing>? closed = null;
                var live = state.Groups.Count;
                try
                {
                    Sweep(correlation, state, now, span, ref closed);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    failed(correlation.Id);
                }

                Interlocked.Add(ref _groups, state.Groups.Count - live);

                foreach (var firing in closed ?? [])
                {
                    Report(correlation, firing, signals, 0);
                }
            }

            _nextSweep = Math.Min(_nextSweep, state.NextSweep);
        }
    }

    /// <summary>One match of <paramref name="source"/> (a rule or a correlation) for every correlation that reads it.</summary>
    public void Observe(object source, EcsEvent value, ISignalSink signals, int depth = 0)
    {
        if (index.ConsumersOf(source) is not { } consumers)
        {
            return;
        }

        foreach (var (correlation, position) in consumers)
        {
            Firing? firing;
            try
            {
                firing = Update(correlation, position, value);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                failed(correlation.Id);
                continue;
            }

            if (firing is { } fired)
            {
                Report(correlation, fired, signals, depth);
            }
        }
    }

    private void Report(SigmaCorrelation correlation, Firing fired, ISignalSink signals, int depth)
    {
        Interlocked.Increment(ref _fired);
        if (index.Generates(correlation))
        {
            signals.Emit(ToSignal(correlation, fired));
        }

        // The resolver rejects cycles; the depth guard only bounds a chain's length.
        if (depth < 16)
        {
            Observe(correlation, fired.Subject, signals, depth + 1);
        }
    }

    /// <summary>Updates one group; the match of this event, if any, is returned.</summary>
    private Firing? Update(SigmaCorrelation correlation, int position, EcsEvent value)
    {
        var now = value.Timestamp.UtcTicks;
        var span = correlation.Timespan.Ticks;
        if (!_states.TryGetValue(correlation, out var state))
        {
            _states[correlation] = state = new CorrelationState(new BoundedEntityMap<string, GroupState>(maxGroupsPerCorrelation, StringComparer.Ordinal));
            if (!correlation.Condition.IsRising)
            {
                state.NextSweep = now + SweepInterval(span);
                _nextSweep = Math.Min(_nextSweep, state.NextSweep);
            }
        }

        var key = GroupKey(correlation, value);
        if (!state.Groups.TryGetValue(key, out var group))
        {
            group = new GroupState(key);
            var evictions = state.Groups.Evictions;
            state.Groups.Set(key, group);
            Interlocked.Increment(ref state.Groups.Evictions == evictions ? ref _groups : ref _evictions);
        }

        if (!correlation.Condition.IsRising)
        {
            return UpdateWindow(correlation, group, value, now, span);
        }

        return correlation.Type switch
        {
            SigmaCorrelationType.EventCount => SlidingCount(correlation, group, value, now, span),
            SigmaCorrelationType.ValueCount => SlidingValues(correlation, group, value, now, span),
            SigmaCorrelationType.Temporal => Temporal(correlation, group, position, value, now, span),
            _ => TemporalOrdered(correlation, group, position, value, now, span),
        };
    }

    /// <summary>
    /// event_count, rising: the newest N timestamps; N of them within the span is a match. In event
    /// order the ring's oldest slot is the earliest time, in O(1). Sensors do not deliver in strict
    /// time order (an audit record can trail the poller's exec), so once an event older than the
    /// newest kept one arrives, the group scans the ring for its earliest and latest until it fires:
    /// ring order would otherwise let a late event pass for the newest and fire on a spread-out burst.
    /// </summary>
    private static Firing? SlidingCount(SigmaCorrelation correlation, GroupState group, EcsEvent value, long now, long span)
    {
        var threshold = (int)correlation.Condition.Threshold;
        group.Unordered |= group.Filled > 0 && now < group.Last;
        group.Last = Math.Max(group.Last, now); // the newest kept (reset when the group fires)
        if (group.Filled < threshold)
        {
            if (group.Filled == group.Times.Length)
            {
                // Grown on demand: most groups see one or two events, not the threshold.
                Array.Resize(ref group.Times, Math.Min(threshold, Math.Max(4, group.Times.Length * 2)));
            }

            group.Times[group.Filled++] = now;
        }
        else if (!group.Unordered)
        {
            group.Times[group.Head] = now;
            group.Head = (group.Head + 1) % threshold;
        }
        else
        {
            // Keep the newest N: the late event replaces the earliest kept, if it is later.
            var earliest = group.Times.AsSpan(0, threshold).IndexOf(Min(group.Times.AsSpan(0, threshold)));
            group.Times[earliest] = Math.Max(group.Times[earliest], now);
        }

        if (group.Filled < threshold)
        {
            return null;
        }

        var kept = group.Times.AsSpan(0, threshold);
        var (first, last) = group.Unordered ? (Min(kept), Max(kept)) : (kept[group.Head], now);
        if (last - first > span)
        {
            return null;
        }

        group.Filled = 0;
        group.Head = 0;
        group.Unordered = false;
        group.Last = 0;
        return new Firing(correlation, group.Key, threshold, first, last, value, null);
    }

    private static long Min(ReadOnlySpan<long> values)
    {
        var min = long.MaxValue;
        foreach (var v in values)
        {
            min = Math.Min(min, v);
        }

        return min;
    }

    private static long Max(ReadOnlySpan<long> values)
    {
        var max = long.MinValue;
        foreach (var v in values)
        {
            max = Math.Max(max, v);
        }

        return max;
    }

    /// <summary>value_count, rising: each distinct value with when it was last seen; N live values is a match.</summary>
    private static Firing? SlidingValues(SigmaCorrelation correlation, GroupState group, EcsEvent value, long now, long span)
    {
        if (Text(correlation.ValueField!.Read(value)) is not { Length: > 0 } seen)
        {
            return null;
        }

        var values = group.Values ??= new Dictionary<string, long>(StringComparer.Ordinal);
        List<string>? expired = null;
        foreach (var (known, at) in values)
        {
            if (now - at > span)
            {
                (expired ??= []).Add(known);
            }
        }

        foreach (var gone in expired ?? [])
        {
            values.Remove(gone);
        }

        // Max: a late event must not make a value look older than its latest sighting.
        values[seen] = values.TryGetValue(seen, out var last) ? Math.Max(last, now) : now;
        if (values.Count < correlation.Condition.Threshold)
        {
            return null;
        }

        var first = values.Values.Min();
        var sample = values.OrderBy(v => v.Value).Select(v => v.Key).ToList();
        values.Clear();
        return new Firing(correlation, group.Key, sample.Count, first, now, value, sample);
    }

    /// <summary>temporal: when each referenced rule last matched; enough of them within the span is a match.</summary>
    private static Firing? Temporal(SigmaCorrelation correlation, GroupState group, int position, EcsEvent value, long now, long span)
    {
        if (group.Times.Length == 0)
        {
            group.Times = new long[correlation.Sources.Length];
        }

        group.Times[position] = Math.Max(group.Times[position], now);
        var count = 0;
        var first = now;
        foreach (var at in group.Times)
        {
            if (at != 0 && Math.Abs(now - at) <= span)
            {
                count++;
                first = Math.Min(first, at);
            }
        }

        if (count < correlation.Condition.Threshold)
        {
            return null;
        }

        Array.Clear(group.Times);
        return new Firing(correlation, group.Key, count, first, now, value, null);
    }

    /// <summary>
    /// temporal_ordered: for each step k, the latest start of a chain that matched rules 0..k in
    /// order. Keeping the latest start (not the first) gives the chain the most room in the window.
    /// </summary>
    private static Firing? TemporalOrdered(SigmaCorrelation correlation, GroupState group, int position, EcsEvent value, long now, long span)
    {
        if (group.Times.Length == 0)
        {
            group.Times = new long[correlation.Sources.Length];
        }

        var times = group.Times;
        if (position == 0)
        {
            times[0] = now;
        }
        else if (times[position - 1] != 0 && now - times[position - 1] <= span)
        {
            times[position] = Math.Max(times[position], times[position - 1]);
        }
        else
        {
            return null;
        }

        var needed = (int)Math.Min(correlation.Condition.Threshold, times.Length);
        if (position != needed - 1 || times[position] == 0)
        {
            return null;
        }

        var first = times[position];
        Array.Clear(times);
        return new Firing(correlation, group.Key, needed, first, now, value, null);
    }

    /// <summary>
    /// Conditions with an upper bound: tumbling windows from each group's first event, decided when
    /// they close. Closing is checked for this group on each of its events, and for all groups of the
    /// correlation every quarter span of event time (<see cref="Advance"/>), so a silent group is decided too.
    /// </summary>
    private static Firing? UpdateWindow(SigmaCorrelation correlation, GroupState group, EcsEvent value, long now, long span)
    {
        Firing? firing = null;
        if (group.Open && now - group.WindowStart >= span)
        {
            firing = Close(correlation, group);
        }

        if (!group.Open)
        {
            group.Open = true;
            group.WindowStart = now;
            group.Count = 0;
            group.Values?.Clear();
        }

        var cap = correlation.Condition.Cap;
        if (correlation.Type == SigmaCorrelationType.ValueCount)
        {
            if (Text(correlation.ValueField!.Read(value)) is { Length: > 0 } seen && (group.Values?.Count ?? 0) < cap)
            {
                (group.Values ??= new Dictionary<string, long>(StringComparer.Ordinal))[seen] = now;
            }

            group.Count = group.Values?.Count ?? 0;
        }
        else
        {
            group.Count = Math.Min(cap, group.Count + 1);
        }

        group.Last = now;
        group.Subject = value;
        return firing;
    }

    private static long SweepInterval(long span) => Math.Max(TimeSpan.TicksPerSecond, span / 4);

    /// <summary>Closes (and forgets) the windows that are over; their matches go to <paramref name="closed"/>.</summary>
    private static void Sweep(SigmaCorrelation correlation, CorrelationState state, long now, long span, ref List<Firing>? closed)
    {
        List<GroupState>? over = null;
        foreach (var group in state.Groups.Values)
        {
            if (group.Open && now - group.WindowStart >= span)
            {
                (over ??= []).Add(group);
            }
        }

        foreach (var group in over ?? [])
        {
            if (Close(correlation, group) is { } firing)
            {
                (closed ??= []).Add(firing);
            }

            state.Groups.Remove(group.Key);
        }
    }

    private static Firing? Close(SigmaCorrelation correlation, GroupState group)
    {
        group.Open = false;
        if (!correlation.Condition.IsSatisfiedBy(group.Count) || group.Subject is null)
        {
            return null;
        }

        var sample = correlation.Type == SigmaCorrelationType.ValueCount ? group.Values?.Keys.ToList() : null;
        return new Firing(correlation, group.Key, group.Count, group.WindowStart, group.Last, group.Subject, sample);
    }

    private static string GroupKey(SigmaCorrelation correlation, EcsEvent value)
    {
        var fields = correlation.GroupFields;
        if (fields.Length == 0)
        {
            return "";
        }

        if (fields.Length == 1)
        {
            return Text(fields[0].Read(value)) ?? "";
        }

        var builder = new StringBuilder();
        for (var i = 0; i < fields.Length; i++)
        {
            if (i > 0)
            {
                builder.Append(KeySeparator);
            }

            builder.Append(Text(fields[i].Read(value)));
        }

        return builder.ToString();
    }

    private static string? Text(object? value) => value switch
    {
        null => null,
        string text => text,
        IEnumerable<string> list => string.Join(",", list),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        var other => other.ToString(),
    };

    private static Signal ToSignal(SigmaCorrelation correlation, Firing fired)
    {
        var author = correlation.Author ?? "unknown author";
        var groups = correlation.GroupBy.Count == 0 ? "" : " for " + string.Join(", ", correlation.GroupBy.Zip(fired.GroupKey.Split(KeySeparator), (f, v) => $"{f}={(v.Length == 0 ? "(none)" : v)}"));
        var sources = string.Join(", ", correlation.SourceTitles.Select(t => $"\"{t}\""));
        var what = correlation.Type switch
        {
            SigmaCorrelationType.EventCount => $"{fired.Count} events of {sources}",
            SigmaCorrelationType.ValueCount => $"{fired.Count} distinct {correlation.ValueFieldName} values ({string.Join(", ", (fired.Values ?? []).Take(8))}{(fired.Values?.Count > 8 ? ", ..." : "")}) in events of {sources}",
            SigmaCorrelationType.Temporal => $"{fired.Count} of the rules {sources}",
            _ => $"the rules {sources} in that order",
        };
        var first = new DateTimeOffset(fired.First, TimeSpan.Zero);
        var last = new DateTimeOffset(fired.Last, TimeSpan.Zero);
        return new Signal
        {
            SourceId = correlation.Id,
            SourceName = correlation.Title,
            EntityKey = "sigma-correlation:" + correlation.Id + (fired.GroupKey.Length == 0 ? "" : ":" + fired.GroupKey.Replace(KeySeparator, '/')),
            Weight = correlation.Weight,
            Confidence = correlation.Confidence,
            Domain = DomainOf(correlation, fired.Subject),
            Detail = $"Sigma correlation \"{correlation.Title}\" ({correlation.TypeName}, {correlation.Level}; by {author}, {correlation.License}): " +
                     $"{what}{groups} within {FormatSpan(correlation.Timespan)} (condition count {correlation.Condition}; " +
                     $"first {first.UtcDateTime.ToString("u", CultureInfo.InvariantCulture)}, last {last.UtcDateTime.ToString("u", CultureInfo.InvariantCulture)})",
            Techniques = correlation.Techniques,
            Timestamp = fired.Subject.Timestamp,
            Subject = fired.Subject,
            Rule = new RuleAttribution(correlation.Author, correlation.License, correlation.Reference, correlation.Ruleset),
        };
    }

    private static SignalDomain DomainOf(SigmaCorrelation correlation, EcsEvent subject)
    {
        if (correlation.Tags.Any(t => t.Equals("attack.persistence", StringComparison.OrdinalIgnoreCase)))
        {
            return SignalDomain.Persistence;
        }

        return SigmaRuleSet.KindOf(subject) switch
        {
            SigmaEventKind.Authentication => SignalDomain.Account,
            SigmaEventKind.NetworkConnection => SignalDomain.Network,
            SigmaEventKind.FileEvent => SignalDomain.File,
            _ => SignalDomain.Process,
        };
    }

    internal static string FormatSpan(TimeSpan span) => span.Ticks switch
    {
        var t when t % TimeSpan.TicksPerDay == 0 => $"{t / TimeSpan.TicksPerDay}d",
        var t when t % TimeSpan.TicksPerHour == 0 => $"{t / TimeSpan.TicksPerHour}h",
        var t when t % TimeSpan.TicksPerMinute == 0 => $"{t / TimeSpan.TicksPerMinute}m",
        var t => $"{t / TimeSpan.TicksPerSecond}s",
    };

    private readonly record struct Firing(SigmaCorrelation Correlation, string GroupKey, long Count, long First, long Last, EcsEvent Subject, List<string>? Values);

    private sealed class CorrelationState(BoundedEntityMap<string, GroupState> groups)
    {
        public BoundedEntityMap<string, GroupState> Groups { get; } = groups;

        public long NextSweep { get; set; }
    }

    private sealed class GroupState(string key)
    {
        public string Key { get; } = key;

        /// <summary>Ring of timestamps (event_count), last match per rule (temporal), chain starts (temporal_ordered).</summary>
        public long[] Times = [];

        public int Filled;

        public int Head;

        /// <summary>event_count: an event arrived older than the newest kept, so ring order is not time order.</summary>
        public bool Unordered;

        /// <summary>value_count: distinct value → when last seen.</summary>
        public Dictionary<string, long>? Values;

        // Tumbling windows (conditions with an upper bound).
        public bool Open;

        public long WindowStart;

        public long Count;

        public long Last;

        public EcsEvent? Subject;
    }
}
