using Atalaya.Platform.Linux.Audit;

namespace Atalaya.Platform.Linux.Tests.Audit;

public sealed class AuditExecveDecoderTests
{
    [Fact]
    public void Hostile_argv_captured_from_the_kernel_decodes_exactly()
    {
        // python3 os.execv(b'/usr/bin/true', [b'true', b'\xff\xfe', b'a\nb', b'q"x', b'sp ace', b'', b'x'*102400]):
        // 28 EXECVE records, the last argument split in a6[0]..a6[27], hex because of its size.
        var audit = Assert.Single(AuditFixtures.Events("exec-hostile-argv.txt"));
        Assert.True(audit.Complete);
        Assert.Equal(28, audit.OfType(AuditMessageType.Execve).Count());
        Assert.True(AuditExecveDecoder.TryDecode(audit.OfType(AuditMessageType.Execve), out var args));
        Assert.Equal(7, args.Count);
        Assert.Equal("true"u8.ToArray(), args[0]);
        Assert.Equal(new byte[] { 0xFF, 0xFE }, args[1]);
        Assert.Equal("a\nb"u8.ToArray(), args[2]);
        Assert.Equal("q\"x"u8.ToArray(), args[3]);
        Assert.Equal("sp ace"u8.ToArray(), args[4]);
        Assert.Empty(args[5]);
        Assert.Equal(Enumerable.Repeat((byte)'x', 102_400).ToArray(), args[6]);
    }

    [Fact]
    public void Split_quoted_argument_and_its_length_are_checked()
    {
        var records = Parse("audit(1.000:9): argc=2 a0=\"x\" a1_len=6 a1[0]=\"abc\"", "audit(1.000:9):  a1[1]=\"def\"");
        Assert.True(AuditExecveDecoder.TryDecode(records, out var args));
        Assert.Equal(["x"u8.ToArray(), "abcdef"u8.ToArray()], args);
    }

    [Fact]
    public void A_missing_piece_or_argument_is_reported_incomplete()
    {
        Assert.False(AuditExecveDecoder.TryDecode(Parse("audit(1.000:9): argc=2 a0=\"x\" a1_len=6 a1[0]=\"abc\""), out var partial));
        Assert.Equal(["x"u8.ToArray(), "abc"u8.ToArray()], partial);
        Assert.False(AuditExecveDecoder.TryDecode(Parse("audit(1.000:9): argc=3 a0=\"x\" a2=\"z\""), out var gap));
        Assert.Equal(["x"u8.ToArray(), Array.Empty<byte>(), "z"u8.ToArray()], gap);
        Assert.False(AuditExecveDecoder.TryDecode(Parse("audit(1.000:9): a0=\"x\""), out var noArgc));
        Assert.Equal(["x"u8.ToArray()], noArgc);
    }

    private static List<AuditRecord> Parse(params string[] texts) => texts.Select(t =>
    {
        Assert.True(AuditRecordParser.TryParse(AuditMessageType.Execve, t, out var r));
        return r;
    }).ToList();
}
