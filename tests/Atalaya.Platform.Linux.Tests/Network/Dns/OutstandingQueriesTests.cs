using System.Diagnostics;
using System.Net;
using Atalaya.Platform.Linux.Network.Dns;

namespace Atalaya.Platform.Linux.Tests.Network.Dns;

public sealed class OutstandingQueriesTests
{
    private static readonly IPAddress Server = IPAddress.Parse("127.0.0.53");

    [Fact]
    public void An_answer_is_taken_once_and_only_for_the_same_port_server_id_and_name()
    {
        var queries = new OutstandingQueries();
        queries.Asked(40000, Server, 7, "a.example.test", now: 0);

        Assert.False(queries.TryAnswer(40001, Server, 7, "a.example.test", now: 1));
        Assert.False(queries.TryAnswer(40000, IPAddress.Parse("127.0.0.54"), 7, "a.example.test", now: 1));
        Assert.False(queries.TryAnswer(40000, Server, 8, "a.example.test", now: 1));
        Assert.False(queries.TryAnswer(40000, Server, 7, "b.example.test", now: 1));
        Assert.True(queries.TryAnswer(40000, Server, 7, "a.example.test", now: 1));
        Assert.False(queries.TryAnswer(40000, Server, 7, "a.example.test", now: 2));
    }

    [Fact]
    public void A_late_answer_and_the_oldest_queries_beyond_the_capacity_are_not_taken()
    {
        var queries = new OutstandingQueries(capacity: 2);
        var lifetime = (long)(OutstandingQueries.Lifetime.TotalSeconds * Stopwatch.Frequency);
        queries.Asked(1, Server, 1, "late.example.test", now: 0);
        Assert.False(queries.TryAnswer(1, Server, 1, "late.example.test", now: lifetime + 1));

        queries.Asked(2, Server, 2, "first.example.test", now: lifetime + 2);
        queries.Asked(3, Server, 3, "second.example.test", now: lifetime + 3);
        queries.Asked(4, Server, 4, "third.example.test", now: lifetime + 4);
        Assert.Equal(2, queries.Count);
        Assert.Equal(1, queries.Dropped);
        Assert.False(queries.TryAnswer(2, Server, 2, "first.example.test", now: lifetime + 5));
        Assert.True(queries.TryAnswer(4, Server, 4, "third.example.test", now: lifetime + 5));
    }
}
