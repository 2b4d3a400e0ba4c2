namespace Atalaya.Core.Baseline;

/// <summary>Where candidates and versions live between runs (the SQLite store in the agent).</summary>
public interface IBaselineStore
{
    IReadOnlyList<BaselineCandidate> LoadCandidates();

    /// <summary>Replaces the stored candidates with these (one transaction).</summary>
    void SaveCandidates(IReadOnlyCollection<BaselineCandidate> candidates);

    /// <summary>Every version, oldest first.</summary>
    IReadOnlyList<BaselineVersion> ListVersions();

    /// <summary>The items of a version; null when it does not exist.</summary>
    BaselineSet? LoadVersion(int number);

    /// <summary>Writes a new version numbered one past the latest, holding exactly these items.</summary>
    BaselineVersion AddVersion(IReadOnlyCollection<BaselineKey> items, string note, DateTimeOffset created);
}
