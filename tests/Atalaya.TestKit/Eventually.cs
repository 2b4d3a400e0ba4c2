namespace Atalaya.TestKit;

/// <summary>
/// Polls a condition with a bounded number of attempts. Used where the kernel or the agent needs a
/// moment (a poll interval) to see what the test did; the bound is an attempt count, and a
/// failure reports what was last seen rather than asserting on elapsed time.
/// </summary>
public static class Eventually
{
    public static async Task<T> WaitForAsync<T>(Func<T> probe, Func<T, bool> done, int attempts = 100, int delayMilliseconds = 100)
    {
        var last = probe();
        for (var i = 0; i < attempts && !done(last); i++)
        {
            await Task.Delay(delayMilliseconds);
            last = probe();
        }

        return last;
    }
}
