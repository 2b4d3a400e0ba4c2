using Atalaya.Core.Analytics;

namespace Atalaya.Core.Baseline;

/// <summary>
/// "A promoted item lowers the score": a signal about a process whose executable and SHA-256 are in
/// the active baseline keeps its weight but has its confidence multiplied by <see cref="Factor"/>,
/// and says so in its detail. The hash must match: the same path with another hash is a replaced
/// binary, exactly what the baseline must not vouch for. Threat-intelligence matches and the
/// first-seen signals themselves are never lowered.
/// </summary>
public sealed class BaselineSignalDampener
{
    public const double Factor = 0.5;

    private BaselineSet _baseline;

    public BaselineSignalDampener(BaselineSet baseline) => _baseline = baseline;

    /// <summary>Swaps in a new active baseline; safe from another thread.</summary>
    public void Replace(BaselineSet baseline) => Volatile.Write(ref _baseline, baseline);

    public Signal Apply(Signal signal)
    {
        var baseline = Volatile.Read(ref _baseline);
        if (baseline.Count == 0 || signal.IndicatorMatch
            || signal.SourceId.StartsWith(FirstSeenAnalytic.AnalyticId, StringComparison.Ordinal)
            || signal.Subject.Process is not { Executable: { Length: > 0 } executable, Hash.Sha256: { Length: > 0 } sha256 })
        {
            return signal;
        }

        var key = new BaselineKey(BaselineKind.Executable, BaselineFacts.ExecutableValue(executable, sha256));
        return baseline.Contains(key)
            ? signal with
            {
                Confidence = signal.Confidence * Factor,
                Detail = $"{signal.Detail} (this executable and hash are in baseline version {baseline.Version}: confidence halved)",
            }
            : signal;
    }
}
