using System.Net;
using Atalaya.Platform.Linux.Network.Dns;

namespace Atalaya.Platform.Linux.Tests.Network.Dns;

public sealed class DnsMessageParserTests
{
    [Fact]
    public void An_A_answer_maps_the_address_to_the_question_name()
    {
        var answers = new List<DnsAnswer>();
        Assert.True(DnsMessageParser.TryParseResponse(DnsWire.Response(7, "Updates.Example.COM", null, IPAddress.Parse("203.0.113.9")), answers));
        var answer = Assert.Single(answers);
        Assert.Equal("updates.example.com", answer.QueryName);
        Assert.Equal(IPAddress.Parse("203.0.113.9"), answer.Address);
        Assert.Null(answer.CanonicalName);
        Assert.Equal(300u, answer.TtlSeconds);
    }

    [Fact]
    public void A_cname_chain_keeps_the_asked_name_and_reports_the_canonical_one()
    {
        var answers = new List<DnsAnswer>();
        var message = DnsWire.Response(9, "www.example.org", "edge.cdn.example.net", IPAddress.Parse("198.51.100.20"), IPAddress.Parse("2001:db8::20"));
        Assert.True(DnsMessageParser.TryParseResponse(message, answers));
        Assert.Equal(2, answers.Count);
        Assert.All(answers, a => Assert.Equal("www.example.org", a.QueryName));
        Assert.All(answers, a => Assert.Equal("edge.cdn.example.net", a.CanonicalName));
        Assert.Equal(IPAddress.Parse("198.51.100.20"), answers[0].Address);
        Assert.Equal(IPAddress.Parse("2001:db8::20"), answers[1].Address);
    }

    [Fact]
    public void A_query_is_not_a_response()
    {
        var answers = new List<DnsAnswer>();
        Assert.False(DnsMessageParser.TryParseResponse(DnsWire.Query(1, "example.com"), answers));
        Assert.Empty(answers);
    }

    [Fact]
    public void A_response_without_answers_is_well_formed_and_empty()
    {
        var answers = new List<DnsAnswer>();
        Assert.True(DnsMessageParser.TryParseResponse(DnsWire.Response(3, "nx.example.com", null), answers));
        Assert.Empty(answers);
    }

    public static TheoryData<string, byte[]> HostileNames => new()
    {
        { "pointer to itself", [0xC0, 0x00] },
        { "pointer forward", [0xC0, 0x05, 0, 0, 0, 0] },
        { "label past the end", [10, (byte)'a', (byte)'b'] },
        { "no terminator", [1, (byte)'a', 1, (byte)'b'] },
        { "extended label type", [0x40, 1, 0] },
        { "control character", [3, (byte)'a', 0x07, (byte)'b', 0] },
        { "dot inside a label", [3, (byte)'a', (byte)'.', (byte)'b', 0] },
        { "escape character", [3, (byte)'a', (byte)'\\', (byte)'b', 0] },
        { "non-ASCII", [2, 0xC3, 0xA9, 0] },
        { "truncated pointer", [1, (byte)'a', 0xC0] },
    };

    [Theory]
    [MemberData(nameof(HostileNames))]
    public void Hostile_names_are_refused(string why, byte[] name)
    {
        var offset = 0;
        Assert.False(DnsMessageParser.TryReadName(name, ref offset, out _), why);
    }

    [Fact]
    public void A_name_longer_than_255_octets_is_refused()
    {
        var name = DnsWire.Name(string.Join('.', Enumerable.Repeat(new string('a', 63), 4)));
        var offset = 0;
        Assert.False(DnsMessageParser.TryReadName(name, ref offset, out _));
    }

    [Fact]
    public void A_chain_of_backward_pointers_longer_than_the_limit_is_refused()
    {
        // Message: a root name at 0, then pointers each pointing to the previous one.
        var bytes = new List<byte> { 0 };
        for (var i = 0; i <= DnsMessageParser.MaxPointerJumps + 1; i++)
        {
            var previous = i == 0 ? 0 : bytes.Count - 2;
            bytes.Add((byte)(0xC0 | (previous >> 8)));
            bytes.Add((byte)previous);
        }

        var offset = bytes.Count - 2;
        Assert.False(DnsMessageParser.TryReadName([.. bytes], ref offset, out _));

        var shortChain = 1 + 2 * 3;
        offset = shortChain;
        Assert.True(DnsMessageParser.TryReadName([.. bytes], ref offset, out var root));
        Assert.Equal(".", root);
        Assert.Equal(shortChain + 2, offset);
    }

    [Fact]
    public void A_compressed_name_resumes_after_the_pointer()
    {
        byte[] message = [3, (byte)'c', (byte)'o', (byte)'m', 0, 3, (byte)'w', (byte)'w', (byte)'w', 0xC0, 0, 0xFF];
        var offset = 5;
        Assert.True(DnsMessageParser.TryReadName(message, ref offset, out var name));
        Assert.Equal("www.com", name);
        Assert.Equal(11, offset);
    }

    [Fact]
    public void An_rdata_length_past_the_end_discards_the_whole_message()
    {
        var message = DnsWire.Response(5, "a.example", null, IPAddress.Parse("192.0.2.1"), IPAddress.Parse("192.0.2.2"));
        message[^5] = 0xFF; // the second answer's rdlength, low byte: 255 bytes past a 4-byte end
        var answers = new List<DnsAnswer>();
        Assert.False(DnsMessageParser.TryParseResponse(message, answers));
        Assert.Empty(answers);
    }

    [Fact]
    public void Every_truncation_of_a_response_is_refused_without_an_exception()
    {
        var message = DnsWire.Response(5, "www.example.org", "edge.example.net", IPAddress.Parse("192.0.2.1"), IPAddress.Parse("2001:db8::1"));
        var answers = new List<DnsAnswer>();
        for (var length = 0; length < message.Length; length++)
        {
            answers.Clear();
            Assert.False(DnsMessageParser.TryParseResponse(message.AsSpan(0, length), answers), $"length {length}");
            Assert.Empty(answers);
        }
    }

    [Fact]
    public void Random_mutations_never_throw_and_never_yield_unsafe_names()
    {
        var seed = DnsWire.Response(5, "www.example.org", "edge.example.net", IPAddress.Parse("192.0.2.1"), IPAddress.Parse("2001:db8::1"));
        var random = new Random(20261122);
        var answers = new List<DnsAnswer>();
        var parsed = 0;
        for (var round = 0; round < 20_000; round++)
        {
            var message = (byte[])seed.Clone();
            for (var flips = random.Next(1, 6); flips > 0; flips--)
            {
                message[random.Next(message.Length)] = (byte)random.Next(256);
            }

            answers.Clear();
            if (DnsMessageParser.TryParseResponse(message, answers))
            {
                parsed++;
            }

            foreach (var answer in answers)
            {
                Assert.True(answer.QueryName.Length <= 255);
                Assert.All(answer.QueryName, c => Assert.InRange(c, '!', '~'));
            }
        }

        // Some mutations (ttl, id, address bytes) leave a valid message: the parser is not just refusing everything.
        Assert.InRange(parsed, 1, 19_999);
    }

    [Fact]
    public void A_query_gives_its_id_and_lower_cased_name_and_a_response_is_not_a_query()
    {
        Assert.True(DnsMessageParser.TryParseQuery(DnsWire.Query(0x1234, "Mixed.Example.Test"), out var id, out var name));
        Assert.Equal(0x1234, id);
        Assert.Equal("mixed.example.test", name);
        Assert.False(DnsMessageParser.TryParseQuery(DnsWire.Response(1, "a.example.test", null, IPAddress.Loopback), out _, out _));
        Assert.False(DnsMessageParser.TryParseQuery(DnsWire.Header(1, 0x0100, 2, 0), out _, out _));
    }
}
