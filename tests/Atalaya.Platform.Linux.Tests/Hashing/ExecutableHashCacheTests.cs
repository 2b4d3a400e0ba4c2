using System.Security.Cryptography;
using Atalaya.Platform.Linux.Hashing;
using Atalaya.TestKit;

namespace Atalaya.Platform.Linux.Tests.Hashing;

public sealed class ExecutableHashCacheTests
{
    private static string Sha256Of(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    [Fact]
    public void Hashes_once_then_hits_the_cache()
    {
        using var dir = new TempDirectory();
        var path = dir.WriteFile("a.bin", "hello");
        var cache = new ExecutableHashCache();

        Assert.Equal(Sha256Of(path), cache.GetSha256(path));
        Assert.Equal(Sha256Of(path), cache.GetSha256(path));
        Assert.Equal(1, cache.Misses);
        Assert.Equal(1, cache.Hits);
        Assert.Equal(5, cache.BytesHashed);
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public void A_changed_file_is_hashed_again_even_with_its_mtime_restored()
    {
        using var dir = new TempDirectory();
        var path = dir.WriteFile("a.bin", "hello");
        var mtime = File.GetLastWriteTimeUtc(path);
        var cache = new ExecutableHashCache();
        var first = cache.GetSha256(path);

        // Same size, same inode, mtime put back the way an attacker would: ctime still moves.
        File.WriteAllText(path, "jello");
        File.SetLastWriteTimeUtc(path, mtime);

        var second = cache.GetSha256(path);
        Assert.NotEqual(first, second);
        Assert.Equal(Sha256Of(path), second);
        Assert.Equal(2, cache.Misses);
    }

    [Fact]
    public void Files_over_the_limit_are_not_hashed()
    {
        using var dir = new TempDirectory();
        var path = dir.WriteFile("big.bin", new string('x', 100));
        var cache = new ExecutableHashCache(maxFileSize: 99);

        Assert.True(cache.TryGetSha256(path, out var sha));
        Assert.Null(sha);
        Assert.Equal(1, cache.SkippedTooLarge);
        Assert.Equal(0, cache.BytesHashed);
    }

    [Fact]
    public void Missing_files_directories_and_fifos_give_null_without_throwing()
    {
        using var dir = new TempDirectory();
        var cache = new ExecutableHashCache();
        Assert.False(cache.TryGetSha256(dir.Combine("missing"), out _));
        Assert.Null(cache.GetSha256(dir.Path));

        // Opening a FIFO for reading would block until a writer comes: it must be refused before open.
        var fifo = dir.Combine("fifo");
        using (var mkfifo = SpawnedProcess.Start("/usr/bin/mkfifo", [fifo]))
        {
            mkfifo.Process.WaitForExit(10_000);
        }

        Assert.Null(cache.GetSha256(fifo));
    }

    [Fact]
    public void Evicts_the_least_recently_used_past_capacity()
    {
        using var dir = new TempDirectory();
        var a = dir.WriteFile("a", "a");
        var b = dir.WriteFile("b", "b");
        var c = dir.WriteFile("c", "c");
        var cache = new ExecutableHashCache(capacity: 2);

        cache.GetSha256(a);
        cache.GetSha256(b);
        cache.GetSha256(a);
        cache.GetSha256(c);
        Assert.Equal(2, cache.Count);

        cache.GetSha256(a);
        Assert.Equal(2, cache.Hits);
        cache.GetSha256(b);
        Assert.Equal(4, cache.Misses);
    }

    [Fact]
    public void Hashes_a_running_process_through_proc_exe()
    {
        using var sleeper = SpawnedProcess.Start("/usr/bin/sleep", ["30"]);
        var cache = new ExecutableHashCache();
        Assert.Equal(Sha256Of("/usr/bin/sleep"), cache.GetForProcess(sleeper.Pid));
    }

    [Fact]
    public void Is_safe_under_concurrent_use()
    {
        using var dir = new TempDirectory();
        var paths = Enumerable.Range(0, 20).Select(i => dir.WriteFile($"f{i}", new string('z', i + 1))).ToArray();
        var cache = new ExecutableHashCache(capacity: 8);
        Parallel.For(0, 400, i =>
        {
            var path = paths[i % paths.Length];
            Assert.Equal(Sha256Of(path), cache.GetSha256(path));
        });
        Assert.True(cache.Count <= 8);
        Assert.Equal(400, cache.Hits + cache.Misses);
    }
}
