using System.Diagnostics;
using System.Net;
using Atalaya.Platform.Linux.Network.Names;
using Atalaya.TestKit;
using Xunit.Abstractions;

namespace Atalaya.Platform.Linux.Tests.Network.Names;

public sealed class ReverseDnsCacheTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_miss_answers_at_once_while_the_lookup_is_still_blocked_and_a_later_ask_gets_the_name()
    {
        using var release = new ManualResetEventSlim();
        var asked = 0;
        using var cache = new ReverseDnsCache(new ReverseDnsOptions { Timeout = TimeSpan.FromSeconds(30) }, TimeProvider.System, address =>
        {
            Interlocked.Increment(ref asked);
            release.Wait(TimeSpan.FromSeconds(30));
            return "Host-7.Example.NET.";
        });

        var address = IPAddress.Parse("198.51.100.7");

        // The lookup cannot finish until the test releases it: an answer now proves the caller never waits.
        Assert.False(cache.TryGetName(address, out _));
        Assert.False(cache.TryGetName(address, out _));
        await Eventually.WaitForAsync(() => Volatile.Read(ref asked), n => n == 1);
        release.Set();

        var name = await Eventually.WaitForAsync(() => cache.TryGetName(address, out var n) ? n : null, n => n is not null);
        Assert.Equal("host-7.example.net", name);
        Assert.Equal(1, Volatile.Read(ref asked));
        Assert.Equal(1, cache.Resolved);
    }

    [Fact]
    public async Task A_failed_lookup_is_cached_and_not_asked_again()
    {
        var asked = 0;
        using var cache = new ReverseDnsCache(null, TimeProvider.System, _ =>
        {
            Interlocked.Increment(ref asked);
            return null;
        });

        var address = IPAddress.Parse("203.0.113.50");
        Assert.False(cache.TryGetName(address, out _));
        await Eventually.WaitForAsync(() => cache.Completed, n => n == 1);
        for (var i = 0; i < 10; i++)
        {
            Assert.False(cache.TryGetName(address, out _));
        }

        Assert.Equal(1, Volatile.Read(ref asked));
        Assert.Equal(1, cache.Failed);
    }

    [Fact]
    public async Task Lookups_that_hang_past_the_timeout_suspend_the_worker()
    {
        using var release = new ManualResetEventSlim();
        var asked = 0;
        using var cache = new ReverseDnsCache(new ReverseDnsOptions { Timeout = TimeSpan.FromMilliseconds(50), MaxAbandoned = 2 }, TimeProvider.System, _ =>
        {
            Interlocked.Increment(ref asked);
            release.Wait(TimeSpan.FromSeconds(30));
            return "late.example";
        });

        for (var i = 1; i <= 5; i++)
        {
            Assert.False(cache.TryGetName(IPAddress.Parse($"203.0.113.{i}"), out _));
        }

        await Eventually.WaitForAsync(() => cache.TimedOut, n => n >= 2);
        Assert.Equal(5, await Eventually.WaitForAsync(() => cache.Completed, n => n == 5));

        // Two abandoned lookups stop the worker: the other three were never started...
        Assert.Equal(2, cache.TimedOut);
        Assert.Equal(2, Volatile.Read(ref asked));

        // ...and a new miss is not even queued (queued, the suspended worker would complete it at once as failed).
        Assert.False(cache.TryGetName(IPAddress.Parse("203.0.113.99"), out _));
        Assert.Equal(5, await Eventually.WaitForAsync(() => cache.Completed, n => n != 5, attempts: 5));
        release.Set();
    }

    [SkippableFact]
    public async Task A_real_reverse_lookup_of_a_hosts_file_address_gets_its_name_and_misses_are_measured()
    {
        // getnameinfo through glibc's files backend checks the sockaddr this code builds: a wrong
        // family, length or address offset gives no name (or another one).
        var hosts = new Dictionary<IPAddress, string>();
        HostsFileParser.Parse(File.Exists("/etc/hosts") ? File.ReadAllText("/etc/hosts") : "", hosts);
        var nsswitch = File.Exists("/etc/nsswitch.conf") ? File.ReadAllLines("/etc/nsswitch.conf") : [];
        Skip.IfNot(nsswitch.Any(l => l.StartsWith("hosts:", StringComparison.Ordinal) && l.Contains("files", StringComparison.Ordinal)), "hosts lookups do not read /etc/hosts here");
        Skip.IfNot(hosts.TryGetValue(IPAddress.Loopback, out var expected), "/etc/hosts names no 127.0.0.1");

        var loopback = await Task.Run(() => Interop.ReverseLookup(IPAddress.Loopback));
        Assert.Equal(expected, loopback, ignoreCase: true);
        if (hosts.TryGetValue(IPAddress.IPv6Loopback, out var expected6))
        {
            Assert.Equal(expected6, await Task.Run(() => Interop.ReverseLookup(IPAddress.IPv6Loopback)), ignoreCase: true);
        }

        // Measured, not asserted: misses of documentation addresses through the host's resolver, one
        // cold (loads the NSS modules) and five warm, each of a new address.
        var times = new List<double>();
        var named = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            var address = IPAddress.Parse($"198.51.100.{10 + i}");
            var stopwatch = Stopwatch.StartNew();
            var name = await Task.Run(() => Interop.ReverseLookup(address));
            stopwatch.Stop();
            times.Add(stopwatch.Elapsed.TotalMilliseconds);
            if (name is not null)
            {
                named.Add($"{address} = {name}");
            }
        }

        var warm = times.Skip(1).Order().ToList();
        output.WriteLine($"127.0.0.1 = {loopback}; getnameinfo miss: cold {times[0]:0.0} ms, warm median {warm[2]:0.0} ms (min {warm[0]:0.0}, max {warm[^1]:0.0}); names for documentation addresses: {(named.Count == 0 ? "none" : string.Join(", ", named))}; resolv.conf: {(File.Exists("/etc/resolv.conf") ? File.ReadAllText("/etc/resolv.conf").Trim() : "absent")}");
    }
}
