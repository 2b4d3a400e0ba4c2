using System.Globalization;
using Atalaya.Core.Schema;

namespace Atalaya.Core.Analytics.Network;

/// <summary>
/// Beaconing per (process, destination), the RITA approach on the endpoint: an implant calling home
/// connects at a steady interval with similar sizes, while people and ordinary software are
/// bursty. For each pair the last <see cref="BeaconingOptions.Window"/> connection starts are kept;
/// once <see cref="BeaconingOptions.MinimumConnections"/> are seen the inter-connection times are
/// scored by symmetry (1 − |Bowley skew|) and dispersion (1 − MAD/median), and so are the bytes
/// sent when the sensor measures them; the mean of those is the score. Jitter within a few percent
/// still scores high, which is the point: implants add jitter to defeat exact-period checks.
/// Known false positives: health checks, NTP, metrics agents — exclude by trusting the process.
/// </summary>
public sealed class BeaconingAnalytic : IAnalytic
{
    public const string AnalyticId = "atalaya.analytic.beaconing";

    private readonly BeaconingOptions _options;
    private readonly BoundedEntityMap<(string Process, string Destination), Pair> _pairs;
    private readonly double[] _scratchA;
    private readonly double[] _scratchB;

    // Rings of evicted pairs, reused: a full map churns without allocating.
    private readonly Stack<Pair> _spare = new();

    public BeaconingAnalytic(BeaconingOptions? options = null)
    {
        _options = options ?? new BeaconingOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MinimumConnections, 4);
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.Window, _options.MinimumConnections);
        _pairs = new BoundedEntityMap<(string, string), Pair>(_options.Capacity);
        _scratchA = new double[_options.Window];
        _scratchB = new double[_options.Window];
    }

    public string Id => AnalyticId;

    public string Name => "Beaconing: regular connections to one destination";

    public IReadOnlyCollection<string> Categories { get; } = [EventCategories.Network];

    public int TrackedPairs => _pairs.Count;

    public void Observe(EcsEvent value, ISignalSink signals)
    {
        if (!ConnectionFacts.IsNewConnection(value) || !ConnectionFacts.IsEgress(value)
            || value.Destination is not { Ip: { Length: > 0 } ip } destination
            || value.Process is not { } process)
        {
            return;
        }

        var key = (EntityKeys.ForProcess(process), ip);
        if (!_pairs.TryGetValue(key, out var pair))
        {
            // Parsing the address once per new pair, not per record: a tracked pair is never loopback.
            if (!_options.IncludeLoopback && AddressClassifier.Classify(ip) == AddressClass.Loopback)
            {
                return;
            }

            if (_pairs.Count >= _pairs.Capacity && _pairs.TryEvictOldest(out var evicted))
            {
                _spare.Push(evicted);
            }

            pair = _spare.TryPop(out var reused) ? reused.Reset() : new Pair(_options.Window);
            _pairs.Set(key, pair);
        }

        pair.Add(ConnectionFacts.StartOf(value).UtcTicks, value.Source?.Bytes);
        if (pair.Reported || pair.Count < _options.MinimumConnections)
        {
            return;
        }

        // Scoring sorts the window; doing it every fourth connection keeps a million records in budget.
        if ((pair.Total - _options.MinimumConnections) % 4 != 0)
        {
            return;
        }

        if (Score(pair, out var median, out var mad, out var meanBytes, out var bytesSpread) is not { } score
            || score < _options.Threshold || median < _options.MinimumInterval.TotalSeconds)
        {
            return;
        }

        pair.Reported = true;
        var sizes = meanBytes is { } m
            ? string.Create(CultureInfo.InvariantCulture, $", sending {m:0} ± {bytesSpread:0} bytes each time")
            : "";
        signals.Emit(new Signal
        {
            SourceId = Id,
            SourceName = Name,
            EntityKey = EntityKeys.ForProcess(process),
            Weight = 60,
            Confidence = Math.Clamp(score, 0, 1),
            Domain = SignalDomain.Network,
            Detail = string.Create(CultureInfo.InvariantCulture,
                $"{ConnectionFacts.ProcessLabel(process)} connects to {ConnectionFacts.DestinationLabel(value)} port {destination.Port} every {Seconds(median)} ± {Seconds(mad)} ({pair.Count} times){sizes}; regularity score {score:0.00}"),
            Techniques = [Techniques.ApplicationLayerProtocol, "T1573"],
            Timestamp = value.Timestamp,
            Subject = value,
        });
    }

    /// <summary>The score, or null when the timing alone already rules the pair out (most pairs: the sizes are then not sorted).</summary>
    private double? Score(Pair pair, out double median, out double mad, out double? meanBytes, out double bytesSpread)
    {
        var intervals = _scratchA.AsSpan(0, pair.Count - 1);
        pair.Intervals(intervals);
        var (q1, med, q3) = RobustStatistics.Quartiles(intervals);
        median = med;
        mad = RobustStatistics.MedianAbsoluteDeviation(intervals, med, _scratchB);
        var intervalScore = (Symmetry(q1, med, q3) + (1 - Math.Min(med <= 0 ? 1 : mad / med, 1))) / 2;

        meanBytes = null;
        bytesSpread = 0;

        // Both part scores are at most 1, so the combined score is at most (2 × timing + 1) / 3.
        if (((2 * intervalScore) + 1) / 3 < _options.Threshold || med < _options.MinimumInterval.TotalSeconds)
        {
            return null;
        }
        var sizes = _scratchA.AsSpan(0, pair.Count);
        if (!pair.Sizes(sizes))
        {
            return intervalScore;
        }

        var (s1, sm, s3) = RobustStatistics.Quartiles(sizes);
        var sizeMad = RobustStatistics.MedianAbsoluteDeviation(sizes, sm, _scratchB);
        meanBytes = sm;
        bytesSpread = sizeMad;

        // Sizes vary more than timing in honest beacons (a tasking response is bigger), so they
        // weigh a third: steady timing with varied sizes still reaches the threshold.
        var sizeScore = (Symmetry(s1, sm, s3) + (1 - Math.Min(sm <= 0 ? 0 : sizeMad / sm, 1))) / 2;
        return ((2 * intervalScore) + sizeScore) / 3;
    }

    /// <summary>
    /// 1 − |Bowley skew|, with the skew counted in proportion to the spread: when the middle half
    /// of the values lies within 10% of the median (a metronome with scheduler noise), a lopsided
    /// shape of that tiny spread says nothing, and small samples make it lopsided by chance.
    /// </summary>
    private static double Symmetry(double q1, double median, double q3)
    {
        if (median <= 0)
        {
            return 1 - Math.Abs(RobustStatistics.BowleySkew(q1, median, q3));
        }

        var relativeSpread = (q3 - q1) / median;
        return 1 - (Math.Abs(RobustStatistics.BowleySkew(q1, median, q3)) * Math.Min(1, relativeSpread / 0.1));
    }

    private static string Seconds(double seconds) => seconds >= 10
        ? string.Create(CultureInfo.InvariantCulture, $"{seconds:0} s")
        : string.Create(CultureInfo.InvariantCulture, $"{seconds:0.0#} s");

    /// <summary>A ring of the last connection starts and sizes of one pair.</summary>
    private sealed class Pair(int window)
    {
        private readonly long[] _starts = new long[window];
        private readonly long[] _sizes = new long[window];
        private int _next;

        public int Count { get; private set; }

        public long Total { get; private set; }

        public bool Reported { get; set; }

        public Pair Reset()
        {
            _next = 0;
            Count = 0;
            Total = 0;
            Reported = false;
            return this;
        }

        public void Add(long startTicks, long? bytes)
        {
            _starts[_next] = startTicks;
            _sizes[_next] = bytes ?? -1;
            _next = (_next + 1) % _starts.Length;
            Count = Math.Min(Count + 1, _starts.Length);
            Total++;
        }

        /// <summary>Seconds between consecutive starts, in arrival order (destination gets Count − 1 values).</summary>
        public void Intervals(Span<double> destination)
        {
            var first = (_next - Count + _starts.Length) % _starts.Length;
            for (var i = 1; i < Count; i++)
            {
                var previous = _starts[(first + i - 1) % _starts.Length];
                var current = _starts[(first + i) % _starts.Length];
                destination[i - 1] = Math.Abs(current - previous) / (double)TimeSpan.TicksPerSecond;
            }
        }

        /// <summary>false when any connection in the window has no byte count.</summary>
        public bool Sizes(Span<double> destination)
        {
            var first = (_next - Count + _starts.Length) % _starts.Length;
            for (var i = 0; i < Count; i++)
            {
                var size = _sizes[(first + i) % _sizes.Length];
                if (size < 0)
                {
                    return false;
                }

                destination[i] = size;
            }

            return true;
        }
    }
}
