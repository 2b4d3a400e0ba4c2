namespace Atalaya.Core.Analytics.Network;

/// <summary>
/// Quartiles, Bowley skewness and median absolute deviation over small samples, the measures RITA
/// uses for beacon regularity: robust to the odd late or missed beacon, unlike mean and variance.
/// </summary>
public static class RobustStatistics
{
    /// <summary>Sorts <paramref name="values"/> in place and returns (Q1, median, Q3).</summary>
    public static (double Q1, double Median, double Q3) Quartiles(Span<double> values)
    {
        values.Sort();
        return (Quantile(values, 0.25), Quantile(values, 0.5), Quantile(values, 0.75));
    }

    /// <summary>(Q3 + Q1 − 2·median) / (Q3 − Q1): 0 for a symmetric distribution, ±1 for a fully skewed one.</summary>
    public static double BowleySkew(double q1, double median, double q3)
    {
        var spread = q3 - q1;

        // Identical quartiles, or the median on one of them, is perfectly regular rather than skewed.
        return spread <= 0 || median == q1 || median == q3 ? 0 : (q3 + q1 - (2 * median)) / spread;
    }

    /// <summary>Median of |x − median|; <paramref name="scratch"/> must be as long as the values.</summary>
    public static double MedianAbsoluteDeviation(ReadOnlySpan<double> values, double median, Span<double> scratch)
    {
        for (var i = 0; i < values.Length; i++)
        {
            scratch[i] = Math.Abs(values[i] - median);
        }

        var deviations = scratch[..values.Length];
        deviations.Sort();
        return Quantile(deviations, 0.5);
    }

    /// <summary>Linear-interpolated quantile of sorted values.</summary>
    public static double Quantile(ReadOnlySpan<double> sorted, double q)
    {
        if (sorted.IsEmpty)
        {
            return 0;
        }

        var position = (sorted.Length - 1) * q;
        var lower = (int)Math.Floor(position);
        var upper = Math.Min(lower + 1, sorted.Length - 1);
        return sorted[lower] + ((sorted[upper] - sorted[lower]) * (position - lower));
    }
}
