namespace Atalaya.Core.Baseline;

/// <summary>
/// The agent's automatic learning period: it starts at the first <c>run</c> on a data directory and
/// lasts <c>baseline.learnDays</c> from then (the length is read from the configuration each run, so
/// changing it moves the end); <see cref="Completed"/> is set when the learnt facts were committed.
/// </summary>
public sealed record BaselineLearningWindow(DateTimeOffset Started, DateTimeOffset? Completed);

/// <summary>Where the learning window survives restarts (the store's status table in the agent).</summary>
public interface IBaselineLearningWindowStore
{
    BaselineLearningWindow? LoadLearningWindow();

    void SaveLearningWindow(BaselineLearningWindow window);
}
