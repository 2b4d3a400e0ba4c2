namespace Atalaya.Core.Baseline;

/// <summary>
/// Version operations over a store. The active baseline is the latest version; versions are never
/// edited, so a rollback writes a new version with an older one's items and history stays readable.
/// </summary>
public static class BaselineVersions
{
    public static BaselineSet LoadActive(IBaselineStore store)
    {
        var versions = store.ListVersions();
        return versions.Count == 0 ? BaselineSet.Empty : store.LoadVersion(versions[^1].Number) ?? BaselineSet.Empty;
    }

    /// <summary>
    /// Ends a learn run: saves the candidates and writes a new version (active items plus the newly
    /// promoted ones). Every run makes a version, even with nothing promoted, so <c>baseline list</c>
    /// shows each run.
    /// </summary>
    public static (BaselineVersion Version, int Promoted) CommitLearning(IBaselineStore store, BaselineLearner learner, string note, DateTimeOffset now)
    {
        var active = LoadActive(store);
        var promoted = learner.Promotable(active);
        store.SaveCandidates(learner.Candidates);
        var version = store.AddVersion([.. active.Items, .. promoted], note, now);
        return (version, promoted.Count);
    }

    /// <summary>
    /// Makes version <paramref name="number"/>'s items active again as a new version; null when it does
    /// not exist. Items the rollback removes lose their candidate sightings too: otherwise the next
    /// learn run would promote them straight back, undoing the rollback.
    /// </summary>
    public static BaselineVersion? Rollback(IBaselineStore store, int number, DateTimeOffset now)
    {
        if (store.LoadVersion(number) is not { } target)
        {
            return null;
        }

        var removed = BaselineSet.Diff(target, LoadActive(store)).Added.ToHashSet();
        if (removed.Count > 0)
        {
            store.SaveCandidates([.. store.LoadCandidates().Where(c => !removed.Contains(c.Key))]);
        }

        return store.AddVersion(target.Items, $"rollback to version {number}", now);
    }
}
