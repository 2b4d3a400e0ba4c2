using Atalaya.Platform.Linux.Files;
using Atalaya.TestKit;

namespace Atalaya.Platform.Linux.Tests.Files;

public sealed class DirectoryHandleResolverTests
{
    [Fact]
    public void Removals_held_back_for_a_reader_that_never_catches_up_stay_bounded()
    {
        // Directories made and removed again and again while the queue is never empty: each merged
        // mkdir+rmdir is held until the reader catches up, which here it never does.
        using var temp = new TempDirectory("atalaya-index-");
        using var resolver = new DirectoryHandleResolver(new WatchList([temp.Path], []), capacity: 4);
        for (var i = 0; i < 10; i++)
        {
            resolver.RemovedLater(Path.Combine(temp.Path, $"gone{i}"), new FanotifyFileHandle(1, 1, [(byte)i]));
        }

        // Applied when the fifth and the ninth arrived: never more than the capacity held.
        Assert.Equal(2, resolver.RemovalsAppliedEarly);
    }
}
